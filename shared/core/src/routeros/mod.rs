//! RouterOS scripts for a MikroTik hotspot (pure text generation, no I/O): a router's setup
//! script, the `tiketi-sync` script it runs every minute, voucher batch imports and the
//! hotspot login page.
//!
//! The RouterOS facts the scripts rely on, with their sources, are listed in `docs/routers.md`
//! (*RouterOS facts*; the section names cited below are its). Every generated `.rsc` passes the
//! repository's RouterOS checker for v7 and v6 (`tiketi_tests::routeros_check`; tests:
//! `tests/tests/routeros_golden.rs`, golden files in `tests/golden/routeros/`):
//! - **One quoting function** ([`quote`], *Strings and quoting*): a `"…"` string is expanded
//!   when its line runs and v6 prints help at a raw `?`, so every inserted value goes through
//!   it, once per nesting level, and no operator or voucher text can end a string, expand `$…`,
//!   or print v6 help.
//! - **Idempotent** (*Menus and properties*): adding a name that exists aborts an import, so
//!   named items are added only when missing, then set in full; Tiketi's unnamed items are
//!   tagged and replaced. Running a script twice = once.
//! - **v6 and v7** (*RouterOS v6 and v7 in one script*): v6 refuses a whole script for one line
//!   it cannot parse, so menu paths with spaces, `\?` always, `:do {} on-error={}`, no v7-only
//!   commands or properties on any line v6 parses; property names exactly as RouterOS has them
//!   per menu (one unknown name aborts the import).
//! - **Tiketi's items are recognisable**: user profiles `tiketi-<ticket type>`, users commented
//!   `tiketi:<ticket type>`, walled-garden entries commented `tiketi`.

mod login_page;
mod quote;
mod setup;
mod sync;
mod users;

pub use login_page::{html_escape, login_page};
pub use quote::{header_fields, quote, time};
pub use setup::{
    CAPTIVE_PORTAL_PROBES, InvalidSetup, NTP_SERVER, POOL, SYNC_POLICY, SetupParams, TAG,
    TRUSTED_CAS, pesapal_walled_garden_hosts, setup_script, url_host, validate_hotspot,
};
pub use sync::{REPORT_PAGE_BYTES, SYNC_FILE, SYNC_SCRIPT, sync_script};
pub use users::{
    COMMENT_PREFIX, FAIR_SUFFIX, HotspotProfile, HotspotUser, PROFILE_PREFIX, fair_profile_name,
    is_valid_rate_limit, profile_name, profiles_for, profiles_for_terms, profiles_script,
    remove_users_script, reprofile_users_script, runs_slow, user_for, user_for_terms, users_script,
};
