# Tiketi: remove 2 hotspot users and end their sessions.
:do { /ip hotspot active remove [find where user="K7QMX3PA2B"] } on-error={}
:do { /ip hotspot user remove [find where name="K7QMX3PA2B" and comment~"^tiketi:"] } on-error={}
:do { /ip hotspot active remove [find where user="T4NVB8KDHW"] } on-error={}
:do { /ip hotspot user remove [find where name="T4NVB8KDHW" and comment~"^tiketi:"] } on-error={}
