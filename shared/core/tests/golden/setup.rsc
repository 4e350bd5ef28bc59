# Tiketi setup for router "demo-router" of "Demo Hotspot".
# RouterOS v7 and v6. Importing it again is safe: missing items are added, the rest updated.
# HTTPS downloads verify the server (check-certificate=yes-without-crl): RouterOS before 7.19
# needs the server's root CA imported and trusted in /certificate first.

# 1. Address pool of the hotspot clients, shared with the interface's DHCP server.
:if ([:len [/ip pool find name="tiketi-pool"]] = 0) do={ /ip pool add name="tiketi-pool" ranges="192.168.88.10-192.168.88.254" }
/ip pool set [find name="tiketi-pool"] ranges="192.168.88.10-192.168.88.254"
:do { /ip dhcp-server set [find interface="bridge"] address-pool="tiketi-pool" } on-error={}

# 2. Hotspot server profile; its pages live in tiketi (flash/tiketi where flash/ exists).
{
  :local dir "tiketi"
  :if ([:len [/file find name="flash"]] > 0) do={ :set dir "flash/tiketi" }
  :if ([:len [/ip hotspot profile find name="tiketi"]] = 0) do={ /ip hotspot profile add name="tiketi" html-directory=$dir }
  /ip hotspot profile set [find name="tiketi"] hotspot-address="192.168.88.1" dns-name="login.wifi" html-directory=$dir login-by=http-chap,http-pap,cookie
  :do {
    /tool fetch url="https://pay.tiketi.example/routers/demo/demo-router/login.html" http-header-field="X-Tiketi-Router-Secret: DEMQ2345S6789ABCDEFGHJKMNPQRSTUV" check-certificate=yes-without-crl dst-path=($dir . "/login.html")
  } on-error={
    :log warning "tiketi: downloading login.html failed"
    :put "tiketi: downloading login.html failed (network, clock or CA certificate); the next import retries"
  }
}

# 3. Hotspot server on the interface (an existing server there is taken over).
:if ([:len [/ip hotspot find interface="bridge"]] = 0) do={
  :if ([:len [/ip hotspot find name="tiketi"]] = 0) do={
    /ip hotspot add name="tiketi" interface="bridge" profile="tiketi" address-pool="tiketi-pool"
  } else={
    /ip hotspot set [find name="tiketi"] interface="bridge"
  }
}
/ip hotspot set [find interface="bridge"] profile="tiketi" address-pool="tiketi-pool" disabled=no

# 4. One user profile per ticket type (speed and devices).
:if ([:len [/ip hotspot user profile find name="tiketi-1h"]] = 0) do={ /ip hotspot user profile add name="tiketi-1h" }
/ip hotspot user profile set [find name="tiketi-1h"] rate-limit="5M/5M" shared-users=1
:if ([:len [/ip hotspot user profile find name="tiketi-2h"]] = 0) do={ /ip hotspot user profile add name="tiketi-2h" }
/ip hotspot user profile set [find name="tiketi-2h"] rate-limit="5M/5M" shared-users=1
:if ([:len [/ip hotspot user profile find name="tiketi-1d"]] = 0) do={ /ip hotspot user profile add name="tiketi-1d" }
/ip hotspot user profile set [find name="tiketi-1d"] rate-limit="5M/5M" shared-users=1
:if ([:len [/ip hotspot user profile find name="tiketi-1gb"]] = 0) do={ /ip hotspot user profile add name="tiketi-1gb" }
/ip hotspot user profile set [find name="tiketi-1gb"] rate-limit="5M/5M" shared-users=1
:if ([:len [/ip hotspot user profile find name="tiketi-5gb"]] = 0) do={ /ip hotspot user profile add name="tiketi-5gb" }
/ip hotspot user profile set [find name="tiketi-5gb"] rate-limit="5M/5M" shared-users=1
:if ([:len [/ip hotspot user profile find name="tiketi-10gb"]] = 0) do={ /ip hotspot user profile add name="tiketi-10gb" }
/ip hotspot user profile set [find name="tiketi-10gb"] rate-limit="5M/5M" shared-users=1
:if ([:len [/ip hotspot user profile find name="tiketi-10gb-fair"]] = 0) do={ /ip hotspot user profile add name="tiketi-10gb-fair" }
/ip hotspot user profile set [find name="tiketi-10gb-fair"] rate-limit="512k/1M" shared-users=1
:if ([:len [/ip hotspot user profile find name="tiketi-week"]] = 0) do={ /ip hotspot user profile add name="tiketi-week" }
/ip hotspot user profile set [find name="tiketi-week"] rate-limit="5M/5M" shared-users=1
:if ([:len [/ip hotspot user profile find name="tiketi-month"]] = 0) do={ /ip hotspot user profile add name="tiketi-month" }
/ip hotspot user profile set [find name="tiketi-month"] rate-limit="5M/5M" shared-users=1

# 5. Walled garden: checkout and payment hosts, reachable before login (HTTP and IP level).
/ip hotspot walled-garden remove [find comment="tiketi"]
/ip hotspot walled-garden add dst-host="pay.tiketi.example" action=allow comment="tiketi"
/ip hotspot walled-garden add dst-host="pay.pesapal.com" action=allow comment="tiketi"
/ip hotspot walled-garden add dst-host="cybqa.pesapal.com" action=allow comment="tiketi"
/ip hotspot walled-garden ip remove [find comment="tiketi"]
/ip hotspot walled-garden ip add dst-host="pay.tiketi.example" action=accept comment="tiketi"
/ip hotspot walled-garden ip add dst-host="pay.pesapal.com" action=accept comment="tiketi"
/ip hotspot walled-garden ip add dst-host="cybqa.pesapal.com" action=accept comment="tiketi"

# 6. Clock: NTP client (v7 servers=, v6 server-dns-names=; compiled for the running version).
{
  :local ver [/system resource get version]
  :local cmd "/system ntp client set enabled=yes mode=unicast server-dns-names=\"pool.ntp.org\""
  :if ([:tonum [:pick $ver 0 [:find $ver "."]]] >= 7) do={ :set cmd "/system ntp client set enabled=yes mode=unicast servers=\"pool.ntp.org\"" }
  :do {
    :local run [:parse $cmd]
    $run
  } on-error={ :log warning "tiketi: enabling the NTP client failed" }
}

# 7. Sync every minute: tiketi-sync posts usage and imports this router's sync.rsc.
:if ([:len [/system script find name="tiketi-sync"]] = 0) do={ /system script add name="tiketi-sync" policy=ftp,read,write,policy,test,sensitive }
/system script set [find name="tiketi-sync"] policy=ftp,read,write,policy,test,sensitive source="# tiketi-sync: post usage, then fetch and import this router's sync script (Tiketi).\n{\n  :if ([:len [/system script job find script=\"tiketi-sync\"]] > 1) do={\n    :log warning \"tiketi-sync: the previous run is still active, skipped\"\n  } else={\n    :local hdr \"X-Tiketi-Router-Secret: DEMQ2345S6789ABCDEFGHJKMNPQRSTUV\"\n    :local hdrPost \"X-Tiketi-Router-Secret: DEMQ2345S6789ABCDEFGHJKMNPQRSTUV,Content-Type: text/plain\"\n    :local reportUrl \"https://pay.tiketi.example/routers/demo/demo-router/report\\\?\"\n    :local page 1\n    :local level \"\"\n    :do { :set level [/system license get level] } on-error={ :do { :set level [/system license get nlevel] } on-error={} }\n    :local body (\"#router,\" . [/system resource get version] . \",\" . \$level . \",\" . [/system clock get date] . \",\" . [/system clock get time] . \"\\n\")\n    :local ids [/ip hotspot user find where comment~\"^tiketi:\"]\n    :local left [:len \$ids]\n    :do {\n      :foreach i in=\$ids do={\n        :local up [/ip hotspot user get \$i uptime]\n        :local sec \$up\n        :do { :set sec [:tonum \$up] } on-error={}\n        :if ([:typeof \$sec] != \"num\") do={ :set sec \$up }\n        :set body (\$body . [/ip hotspot user get \$i name] . \",\" . \$sec . \",\" . [/ip hotspot user get \$i bytes-in] . \",\" . [/ip hotspot user get \$i bytes-out] . \",\" . [/ip hotspot user get \$i profile] . \"\\n\")\n        :set left (\$left - 1)\n        :if (([:len \$body] > 3000) && (\$left > 0)) do={\n          /tool fetch url=(\$reportUrl . \"page=\" . \$page . \"&last=0\") http-method=post http-header-field=\$hdrPost http-data=\$body check-certificate=yes-without-crl output=none\n          :set page (\$page + 1)\n          :set body \"\"\n        }\n      }\n      :if ([:len \$body] = 0) do={ :set body \"\\n\" }\n      /tool fetch url=(\$reportUrl . \"page=\" . \$page . \"&last=1\") http-method=post http-header-field=\$hdrPost http-data=\$body check-certificate=yes-without-crl output=none\n    } on-error={ :log warning \"tiketi-sync: usage report failed\" }\n    :local f \"tiketi-sync.rsc\"\n    :do { /file remove [find name=\$f] } on-error={}\n    :do {\n      /tool fetch url=\"https://pay.tiketi.example/routers/demo/demo-router/sync.rsc\" http-header-field=\$hdr check-certificate=yes-without-crl dst-path=\$f\n      :for w from=1 to=10 do={ :if ([:len [/file find name=\$f]] = 0) do={ :delay 500ms } }\n      /import file-name=\$f\n    } on-error={ :log warning \"tiketi-sync: sync failed\" }\n    :do { /file remove [find name=\$f] } on-error={}\n  }\n}\n"
:if ([:len [/system scheduler find name="tiketi-sync"]] = 0) do={ /system scheduler add name="tiketi-sync" interval=1m on-event="/system script run tiketi-sync" policy=ftp,read,write,policy,test,sensitive }
/system scheduler set [find name="tiketi-sync"] interval=1m on-event="/system script run tiketi-sync" policy=ftp,read,write,policy,test,sensitive disabled=no
:put "tiketi: setup done; tiketi-sync runs every minute"
