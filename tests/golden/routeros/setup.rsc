# Tiketi setup for router "demo-router" of "Demo Hotspot".
# RouterOS v7 and v6. Importing it again is safe: missing items are added, the rest updated.
# HTTPS downloads verify the server (check-certificate=yes-without-crl): RouterOS before 7.19
# needs the server's root CA imported and trusted in /certificate, which step 0 does.

# 0. Trust the root certificates Tiketi may be served under (RouterOS before 7.19).
:if ([:len [/certificate find where common-name="ISRG Root X1"]] = 0) do={
  :do {
    :do { /file remove [find name="tiketi-ca.txt"] } on-error={}
    /file print file="tiketi-ca"
    :delay 2s
    /file set [find name="tiketi-ca.txt"] contents="-----BEGIN CERTIFICATE-----\nMIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAwDQYJKoZIhvcNAQELBQAw\nTzELMAkGA1UEBhMCVVMxKTAnBgNVBAoTIEludGVybmV0IFNlY3VyaXR5IFJlc2Vh\ncmNoIEdyb3VwMRUwEwYDVQQDEwxJU1JHIFJvb3QgWDEwHhcNMTUwNjA0MTEwNDM4\nWhcNMzUwNjA0MTEwNDM4WjBPMQswCQYDVQQGEwJVUzEpMCcGA1UEChMgSW50ZXJu\nZXQgU2VjdXJpdHkgUmVzZWFyY2ggR3JvdXAxFTATBgNVBAMTDElTUkcgUm9vdCBY\nMTCCAiIwDQYJKoZIhvcNAQEBBQADggIPADCCAgoCggIBAK3oJHP0FDfzm54rVygc\nh77ct984kIxuPOZXoHj3dcKi/vVqbvYATyjb3miGbESTtrFj/RQSa78f0uoxmyF+\n0TM8ukj13Xnfs7j/EvEhmkvBioZxaUpmZmyPfjxwv60pIgbz5MDmgK7iS4+3mX6U\nA5/TR5d8mUgjU+g4rk8Kb4Mu0UlXjIB0ttov0DiNewNwIRt18jA8+o+u3dpjq+sW\nT8KOEUt+zwvo/7V3LvSye0rgTBIlDHCNAymg4VMk7BPZ7hm/ELNKjD+Jo2FR3qyH\nB5T0Y3HsLuJvW5iB4YlcNHlsdu87kGJ55tukmi8mxdAQ4Q7e2RCOFvu396j3x+UC\nB5iPNgiV5+I3lg02dZ77DnKxHZu8A/lJBdiB3QW0KtZB6awBdpUKD9jf1b0SHzUv\nKBds0pjBqAlkd25HN7rOrFleaJ1/ctaJxQZBKT5ZPt0m9STJEadao0xAH0ahmbWn\nOlFuhjuefXKnEgV4We0+UXgVCwOPjdAvBbI+e0ocS3MFEvzG6uBQE3xDk3SzynTn\njh8BCNAw1FtxNrQHusEwMFxIt4I7mKZ9YIqioymCzLq9gwQbooMDQaHWBfEbwrbw\nqHyGO0aoSCqI3Haadr8faqU9GY/rOPNk3sgrDQoo//fb4hVC1CLQJ13hef4Y53CI\nrU7m2Ys6xt0nUW7/vGT1M0NPAgMBAAGjQjBAMA4GA1UdDwEB/wQEAwIBBjAPBgNV\nHRMBAf8EBTADAQH/MB0GA1UdDgQWBBR5tFnme7bl5AFzgAiIyBpY9umbbjANBgkq\nhkiG9w0BAQsFAAOCAgEAVR9YqbyyqFDQDLHYGmkgJykIrGF1XIpu+ILlaS/V9lZL\nubhzEFnTIZd+50xx+7LSYK05qAvqFyFWhfFQDlnrzuBZ6brJFe+GnY+EgPbk6ZGQ\n3BebYhtF8GaV0nxvwuo77x/Py9auJ/GpsMiu/X1+mvoiBOv/2X/qkSsisRcOj/KK\nNFtY2PwByVS5uCbMiogziUwthDyC3+6WVwW6LLv3xLfHTjuCvjHIInNzktHCgKQ5\nORAzI4JMPJ+GslWYHb4phowim57iaztXOoJwTdwJx4nLCgdNbOhdjsnvzqvHu7Ur\nTkXWStAmzOVyyghqpZXjFaH3pO3JLF+l+/+sKAIuvtd7u+Nxe5AW0wdeRlN8NwdC\njNPElpzVmbUq4JUagEiuTDkHzsxHpFKVK7q4+63SM1N95R1NbdWhscdCb+ZAJzVc\noyi3B43njTOQ5yOf+1CceWxG1bQVs5ZufpsMljq4Ui0/1lvh+wjChP4kqKOJ2qxq\n4RgqsahDYVvTH9w7jXbyLeiNdd8XM2w9U/t7y0Ff/9yi0GE44Za4rF2LN9d11TPA\nmRGunUHBcnWEvgJBQl9nJEiU0Zsnvgc/ubhPgXRR4Xq37Z0j4r7g1SgEEzwxA57d\nemyPxgcYxn/eR44/KJ4EBs+lVDR3veyJm+kXQ99b21/+jh5Xos1AnX5iItreGCc=\n-----END CERTIFICATE-----\n"
    /certificate import file-name="tiketi-ca.txt" passphrase=""
  } on-error={ :log warning "tiketi: could not import the ISRG Root X1 certificate" }
  :do { /file remove [find name="tiketi-ca.txt"] } on-error={}
}
:do { /certificate set [find where common-name="ISRG Root X1"] trusted=yes } on-error={}
:if ([:len [/certificate find where common-name="Amazon Root CA 1"]] = 0) do={
  :do {
    :do { /file remove [find name="tiketi-ca.txt"] } on-error={}
    /file print file="tiketi-ca"
    :delay 2s
    /file set [find name="tiketi-ca.txt"] contents="-----BEGIN CERTIFICATE-----\nMIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF\nADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6\nb24gUm9vdCBDQSAxMB4XDTE1MDUyNjAwMDAwMFoXDTM4MDExNzAwMDAwMFowOTEL\nMAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJv\nb3QgQ0EgMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALJ4gHHKeNXj\nca9HgFB0fW7Y14h29Jlo91ghYPl0hAEvrAIthtOgQ3pOsqTQNroBvo3bSMgHFzZM\n9O6II8c+6zf1tRn4SWiw3te5djgdYZ6k/oI2peVKVuRF4fn9tBb6dNqcmzU5L/qw\nIFAGbHrQgLKm+a/sRxmPUDgH3KKHOVj4utWp+UhnMJbulHheb4mjUcAwhmahRWa6\nVOujw5H5SNz/0egwLX0tdHA114gk957EWW67c4cX8jJGKLhD+rcdqsq08p8kDi1L\n93FcXmn/6pUCyziKrlA4b9v7LWIbxcceVOF34GfID5yHI9Y/QCB/IIDEgEw+OyQm\njgSubJrIqg0CAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMC\nAYYwHQYDVR0OBBYEFIQYzIU07LwMlJQuCFmcx7IQTgoIMA0GCSqGSIb3DQEBCwUA\nA4IBAQCY8jdaQZChGsV2USggNiMOruYou6r4lK5IpDB/G/wkjUu0yKGX9rbxenDI\nU5PMCCjjmCXPI6T53iHTfIUJrU6adTrCC2qJeHZERxhlbI1Bjjt/msv0tadQ1wUs\nN+gDS63pYaACbvXy8MWy7Vu33PqUXHeeE6V/Uq2V8viTO96LXFvKWlJbYK8U90vv\no/ufQJVtMVT8QtPHRh8jrdkPSHCa2XV4cdFyQzR1bldZwgJcJmApzyMZFo6IQ6XU\n5MsI+yMRQ+hDKXJioaldXgjUkK642M4UwtBV8ob2xJNDd2ZhwLnoQdeXeGADbkpy\nrqXRfboQnoZsG4q5WTP468SQvvG5\n-----END CERTIFICATE-----\n"
    /certificate import file-name="tiketi-ca.txt" passphrase=""
  } on-error={ :log warning "tiketi: could not import the Amazon Root CA 1 certificate" }
  :do { /file remove [find name="tiketi-ca.txt"] } on-error={}
}
:do { /certificate set [find where common-name="Amazon Root CA 1"] trusted=yes } on-error={}

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

# 7. Sync every minute: tiketi-sync posts usage and imports the changes it gets back.
:if ([:len [/system script find name="tiketi-sync"]] = 0) do={ /system script add name="tiketi-sync" policy=ftp,read,write,policy,test,sensitive }
/system script set [find name="tiketi-sync"] policy=ftp,read,write,policy,test,sensitive source="# tiketi-sync: post usage, import the changes Tiketi answers with.\n{\n  :if ([:len [/system script job find script=\"tiketi-sync\"]] > 1) do={\n    :log warning \"tiketi-sync: the previous run is still active, skipped\"\n  } else={\n    :local hdrPost \"X-Tiketi-Router-Secret: DEMQ2345S6789ABCDEFGHJKMNPQRSTUV,Content-Type: text/plain\"\n    :local reportUrl \"https://pay.tiketi.example/routers/demo/demo-router/report\\\?\"\n    :local syncUrl \"https://pay.tiketi.example/routers/demo/demo-router/sync\\\?\"\n    :local f \"tiketi-sync.rsc\"\n    :local page 1\n    :local level \"\"\n    :do { :set level [[:parse \":return [/system license get level]\"]] } on-error={ :do { :set level [[:parse \":return [/system license get nlevel]\"]] } on-error={} }\n    :local body (\"#router,\" . [/system resource get version] . \",\" . \$level . \",\" . [/system clock get date] . \",\" . [/system clock get time] . \"\\n\")\n    :local ids [/ip hotspot user find where comment~\"^tiketi:\"]\n    :local left [:len \$ids]\n    :do { /file remove [find name=\$f] } on-error={}\n    :do {\n      :foreach i in=\$ids do={\n        :local up [/ip hotspot user get \$i uptime]\n        :local sec \$up\n        :do { :set sec [:tonum \$up] } on-error={}\n        :if ([:typeof \$sec] != \"num\") do={ :set sec \$up }\n        :set body (\$body . [/ip hotspot user get \$i name] . \",\" . \$sec . \",\" . [/ip hotspot user get \$i bytes-in] . \",\" . [/ip hotspot user get \$i bytes-out] . \",\" . [/ip hotspot user get \$i profile] . \"\\n\")\n        :set left (\$left - 1)\n        :if (([:len \$body] > 3000) && (\$left > 0)) do={\n          /tool fetch url=(\$reportUrl . \"page=\" . \$page . \"&last=0\") http-method=post http-header-field=\$hdrPost http-data=\$body check-certificate=yes-without-crl output=none\n          :set page (\$page + 1)\n          :set body \"\"\n        }\n      }\n      :if ([:len \$body] = 0) do={ :set body \"\\n\" }\n      /tool fetch url=(\$syncUrl . \"page=\" . \$page . \"&last=1\") http-method=post http-header-field=\$hdrPost http-data=\$body check-certificate=yes-without-crl dst-path=\$f\n      :for w from=1 to=10 do={ :if ([:len [/file find name=\$f]] = 0) do={ :delay 500ms } }\n      /import file-name=\$f\n    } on-error={ :log warning \"tiketi-sync: report and sync failed\" }\n    :do { /file remove [find name=\$f] } on-error={}\n  }\n}\n"
:if ([:len [/system scheduler find name="tiketi-sync"]] = 0) do={ /system scheduler add name="tiketi-sync" interval=1m on-event="/system script run tiketi-sync" policy=ftp,read,write,policy,test,sensitive }
/system scheduler set [find name="tiketi-sync"] interval=1m on-event="/system script run tiketi-sync" policy=ftp,read,write,policy,test,sensitive disabled=no
:put "tiketi: setup done; tiketi-sync runs every minute"
