# Tiketi: 1 hotspot users change speed (fair usage).
:do { /ip hotspot user set [find name="M5T8WKA3VD"] profile="tiketi-10gb-fair" } on-error={}
:do { /ip hotspot active remove [find where user="M5T8WKA3VD"] } on-error={}
