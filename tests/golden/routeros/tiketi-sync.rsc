# tiketi-sync: post usage, import the changes Tiketi answers with.
{
  :if ([:len [/system script job find script="tiketi-sync"]] > 1) do={
    :log warning "tiketi-sync: the previous run is still active, skipped"
  } else={
    :local hdrPost "X-Tiketi-Router-Secret: DEMQ2345S6789ABCDEFGHJKMNPQRSTUV,Content-Type: text/plain"
    :local reportUrl "https://pay.tiketi.example/routers/demo/demo-router/report\?"
    :local syncUrl "https://pay.tiketi.example/routers/demo/demo-router/sync\?"
    :local f "tiketi-sync.rsc"
    :local page 1
    :local level ""
    :do { :set level [[:parse ":return [/system license get level]"]] } on-error={ :do { :set level [[:parse ":return [/system license get nlevel]"]] } on-error={} }
    :local body ("#router," . [/system resource get version] . "," . $level . "," . [/system clock get date] . "," . [/system clock get time] . "\n")
    :local ids [/ip hotspot user find where comment~"^tiketi:"]
    :local left [:len $ids]
    :do { /file remove [find name=$f] } on-error={}
    :do {
      :foreach i in=$ids do={
        :local up [/ip hotspot user get $i uptime]
        :local sec $up
        :do { :set sec [:tonum $up] } on-error={}
        :if ([:typeof $sec] != "num") do={ :set sec $up }
        :set body ($body . [/ip hotspot user get $i name] . "," . $sec . "," . [/ip hotspot user get $i bytes-in] . "," . [/ip hotspot user get $i bytes-out] . "," . [/ip hotspot user get $i profile] . "\n")
        :set left ($left - 1)
        :if (([:len $body] > 3000) && ($left > 0)) do={
          /tool fetch url=($reportUrl . "page=" . $page . "&last=0") http-method=post http-header-field=$hdrPost http-data=$body check-certificate=yes-without-crl output=none
          :set page ($page + 1)
          :set body ""
        }
      }
      :if ([:len $body] = 0) do={ :set body "\n" }
      /tool fetch url=($syncUrl . "page=" . $page . "&last=1") http-method=post http-header-field=$hdrPost http-data=$body check-certificate=yes-without-crl dst-path=$f
      :for w from=1 to=10 do={ :if ([:len [/file find name=$f]] = 0) do={ :delay 500ms } }
      /import file-name=$f
    } on-error={ :log warning "tiketi-sync: report and sync failed" }
    :do { /file remove [find name=$f] } on-error={}
  }
}
