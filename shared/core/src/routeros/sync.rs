//! The `tiketi-sync` script the router runs every minute (`docs/routers.md`; the RouterOS facts
//! cited are its sections):
//!
//! 1. **Overlap guard**: if another `tiketi-sync` job is still running (a slow fetch can outlast
//!    the interval), log and skip (*Scheduler, scripts, policies*, after ispapp's
//!    `/system script job` count).
//! 2. **Report and sync, one request**: `POST <sync_url>?page=<n>&last=1` with the router secret,
//!    `Content-Type: text/plain` and the usage report as body, saving the answer (the changes this
//!    router should make) to a RAM file (`check-certificate=yes-without-crl`), then `/import` it
//!    inside `:do {} on-error={}`, removing the file before and after (*Import*; *Fetch, files,
//!    certificates*). The report has one line per hotspot user whose comment starts with `tiketi:`:
//!    `name,uptime,bytes-in,bytes-out,profile` (the profile tells the platform which users already
//!    run at a fair-usage speed). Uptime is whole seconds where `:tonum` turns a time into seconds
//!    (v7.12+), otherwise the router's own time text (`1d02:03:04`, `1d2h3m4s`), which
//!    `domain::usage::parse_duration` reads. A report longer than [`REPORT_PAGE_BYTES`] (far below
//!    v6's ~4 KB variables and the 64 KiB `http-data` cap, *Fetch, files, certificates*) goes in
//!    pages: every page but the last to `POST <report_url>?page=<n>&last=0`, the last with the sync
//!    request, so the platform knows the inventory is complete. The first page starts with the
//!    router's facts, `#router,<version>,<licence level>,<date>,<time>` (v7 names the licence
//!    property `level`, v6 `nlevel`; each is compiled with `:parse` only when run, inside `:do {}
//!    on-error={}`, so a name the running version lacks cannot stop the script from parsing), which
//!    the portal shows: the licence's ceiling of active hotspot users and whether the clock is set.
//!    An empty router posts that line alone.
//!
//! Only the `/tool fetch` arguments v6 has are used (no `duration`, `idle-timeout`, …; *RouterOS v6
//! and v7 in one script*), and every failure is caught and logged so the next minute simply tries
//! again.

use super::{
    quote::{header_fields, quote},
    setup::SetupParams,
    users::COMMENT_PREFIX,
};

/// Name of the `/system script` and of the `/system scheduler` entry that runs it.
pub const SYNC_SCRIPT: &str = "tiketi-sync";
/// A report page is posted once its body is longer than this (bytes).
pub const REPORT_PAGE_BYTES: usize = 3000;
/// The temporary file the sync script downloads (router root = RAM disk where `flash/` exists).
pub const SYNC_FILE: &str = "tiketi-sync.rsc";

/// The source of the `tiketi-sync` script (also importable on its own). Every value in it is
/// [`quote`]d; [`super::setup_script`] quotes the whole text once more as `source=`.
pub fn sync_script(p: &SetupParams) -> String {
    let secret_post = quote(&header_fields(&[
        &p.secret_header,
        "Content-Type: text/plain",
    ]));
    let query_start = |url: &str| format!("{url}{}", if url.contains('?') { '&' } else { '?' });
    let report_url = quote(&query_start(&p.report_url));
    let sync_url = quote(&query_start(&p.sync_url));
    let job = quote(SYNC_SCRIPT);
    let tag = quote(&format!("^{COMMENT_PREFIX}"));
    let file = quote(SYNC_FILE);
    let page_bytes = REPORT_PAGE_BYTES;
    let fetch_opts = "check-certificate=yes-without-crl";
    format!(
        r##"# {SYNC_SCRIPT}: post usage, import the changes Tiketi answers with.
{{
  :if ([:len [/system script job find script={job}]] > 1) do={{
    :log warning "tiketi-sync: the previous run is still active, skipped"
  }} else={{
    :local hdrPost {secret_post}
    :local reportUrl {report_url}
    :local syncUrl {sync_url}
    :local f {file}
    :local page 1
    :local level ""
    :do {{ :set level [[:parse ":return [/system license get level]"]] }} on-error={{ :do {{ :set level [[:parse ":return [/system license get nlevel]"]] }} on-error={{}} }}
    :local body ("#router," . [/system resource get version] . "," . $level . "," . [/system clock get date] . "," . [/system clock get time] . "\n")
    :local ids [/ip hotspot user find where comment~{tag}]
    :local left [:len $ids]
    :do {{ /file remove [find name=$f] }} on-error={{}}
    :do {{
      :foreach i in=$ids do={{
        :local up [/ip hotspot user get $i uptime]
        :local sec $up
        :do {{ :set sec [:tonum $up] }} on-error={{}}
        :if ([:typeof $sec] != "num") do={{ :set sec $up }}
        :set body ($body . [/ip hotspot user get $i name] . "," . $sec . "," . [/ip hotspot user get $i bytes-in] . "," . [/ip hotspot user get $i bytes-out] . "," . [/ip hotspot user get $i profile] . "\n")
        :set left ($left - 1)
        :if (([:len $body] > {page_bytes}) && ($left > 0)) do={{
          /tool fetch url=($reportUrl . "page=" . $page . "&last=0") http-method=post http-header-field=$hdrPost http-data=$body {fetch_opts} output=none
          :set page ($page + 1)
          :set body ""
        }}
      }}
      :if ([:len $body] = 0) do={{ :set body "\n" }}
      /tool fetch url=($syncUrl . "page=" . $page . "&last=1") http-method=post http-header-field=$hdrPost http-data=$body {fetch_opts} dst-path=$f
      :for w from=1 to=10 do={{ :if ([:len [/file find name=$f]] = 0) do={{ :delay 500ms }} }}
      /import file-name=$f
    }} on-error={{ :log warning "tiketi-sync: report and sync failed" }}
    :do {{ /file remove [find name=$f] }} on-error={{}}
  }}
}}
"##
    )
}
