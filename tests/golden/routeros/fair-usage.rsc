# Tiketi: 1 hotspot users change speed (fair usage).
:do { :if ([/ip hotspot user get [find name="M5T8WKA3VD"] profile] != "tiketi-10gb-fair") do={ /ip hotspot user set [find name="M5T8WKA3VD"] profile="tiketi-10gb-fair" limit-bytes-total=0; /ip hotspot active remove [find where user="M5T8WKA3VD"] } } on-error={}
