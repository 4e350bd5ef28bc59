//! The one-time (and re-runnable) setup script of a router: address pool, hotspot server
//! profile and server, Tiketi's user profiles, walled garden, NTP, login page, and the
//! `tiketi-sync` script with its scheduler.
//!
//! Every step is idempotent (`docs/routers.md`, RouterOS facts: *Menus and properties*): named
//! items are added only when missing and then set in full; the walled-garden entries Tiketi owns
//! are tagged `comment="tiketi"`, removed and re-added. Menu paths use spaces and errors are caught
//! with `:do {} on-error={}`, so one file serves v6 and v7 (*RouterOS v6 and v7 in one script*).
//!
//! **login.html is downloaded, not written in-script.** RouterOS v6 has no `/file add`; its
//! workaround (`/file print file=x` + `/file set x contents=…`) creates `x.txt`, and file contents
//! pass through variables limited to ~4 KB (*Fetch, files, certificates*). So the script fetches
//! `<sync_url base>/login.html` (see [`login_page`](super::login_page)) with the router secret into
//! the profile's own html directory, which works the same on both versions and for any size. The
//! directory is `tiketi`, or `flash/tiketi` on devices whose `flash/` is the only persistent
//! storage (*Menus and properties*); RouterOS copies its default pages (md5.js, status…) into a
//! profile's directory when the profile is created (MikroTik wiki, "Customizing Hotspot";
//! unverified on v7), which is why the profile is added with `html-directory` set.
//!
//! **NTP**: the client's server property is `servers` on v7 but `server-dns-names` on v6 (*RouterOS
//! v6 and v7 in one script*; v6 names unverified). A v7-only name on a line v6 parses aborts the
//! import, so the command for the running version is chosen at run time and compiled with `:parse`,
//! inside `:do {} on-error={}`.
//!
//! **Certificate authorities** (step 0): every download verifies the server
//! (`check-certificate=yes-without-crl`), which RouterOS before 7.19 (no built-in trust store) can
//! only do for a root CA imported into `/certificate` (*Fetch, files, certificates*). The script
//! writes each root Tiketi may be served under (Let's Encrypt's ISRG Root X1 for a server of one's
//! own, Amazon Root CA 1 for API Gateway and CloudFront: [`TRUSTED_CAS`], public certificates
//! copied from Debian's ca-certificates) into a file with v6's trick (`/file print file=x` creates
//! `x.txt`, then `/file set … contents=`; a root is under 2 KB, well inside v6's ~4 KB) and imports
//! it, unless a certificate of that name is there already; 7.19+ needs none of it but takes no
//! harm. Unverified on a real v6 router: that `/certificate import` reads a `.txt` PEM and marks an
//! imported root trusted (it is also set `trusted=yes`).
//!
//! Not done here: IP addresses, DHCP server creation, NAT and DNS (the router's existing LAN
//! setup is assumed; only an existing DHCP server on the interface is pointed at the hotspot
//! pool, as `/ip hotspot setup` shares one pool).

use std::{fmt::Write as _, net::Ipv4Addr};

use super::{
    quote::{header_fields, quote},
    sync::{SYNC_SCRIPT, sync_script},
    users::{HotspotProfile, profiles_script},
};

/// Root certificates a router is made to trust: (common name, PEM).
pub const TRUSTED_CAS: [(&str, &str); 2] = [
    ("ISRG Root X1", include_str!("ca/isrg-root-x1.pem")),
    ("Amazon Root CA 1", include_str!("ca/amazon-root-ca-1.pem")),
];

/// Name of the hotspot server profile, the hotspot server (when Tiketi creates it) and the
/// html directory; also the walled-garden comment.
pub const TAG: &str = "tiketi";
/// Name of the address pool.
pub const POOL: &str = "tiketi-pool";
/// Policies of the sync script and its scheduler: fetch needs `test`, config `read,write`,
/// scripts `policy`, hotspot passwords `sensitive`, files `ftp` (RouterOS facts: *Scheduler,
/// scripts, policies*).
pub const SYNC_POLICY: &str = "ftp,read,write,policy,test,sensitive";
/// NTP servers the setup script configures.
pub const NTP_SERVER: &str = "pool.ntp.org";

/// Hosts phones probe to detect a captive portal. Whitelisting one hides the login pop-up
/// (RouterOS facts: *Walled garden*), so they are never added to the walled garden.
pub const CAPTIVE_PORTAL_PROBES: &[&str] = &[
    "captive.apple.com",
    "www.apple.com",
    "connectivitycheck.gstatic.com",
    "connectivitycheck.android.com",
    "clients1.google.com",
    "clients3.google.com",
    "www.google.com",
    "www.msftconnecttest.com",
    "www.msftncsi.com",
    "detectportal.firefox.com",
    "nmcheck.gnome.org",
];

/// Pesapal's hosts a buyer's browser must reach before login: `pay.pesapal.com` (live) and
/// `cybqa.pesapal.com` (sandbox), the API 3.0 hosts (developer.pesapal.com; RouterOS facts: *Walled
/// garden*); the sandbox's hosted payment page (`redirect_url`) is on `cybqa.pesapal.com`
/// (`docs/pesapal.md`). **Unverified:** that the live page stays on `pay.pesapal.com`, and which
/// further hosts the page loads (CDNs, card 3-D Secure, mobile-money pages): capture them from a
/// browser's network log before release and add them here.
pub fn pesapal_walled_garden_hosts() -> Vec<&'static str> {
    vec!["pay.pesapal.com", "cybqa.pesapal.com"]
}

/// The host of an `http(s)://host[:port]/…` URL (for the walled garden), lower-cased.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    is_host_name(host).then(|| host.to_ascii_lowercase())
}

/// What a router's setup script needs.
#[derive(Clone, PartialEq, Eq)]
pub struct SetupParams {
    pub router_id: String,
    pub business_name: String,
    /// Where the hotspot runs, e.g. `bridge` (on a bridge, the bridge, not a port).
    pub hotspot_interface: String,
    /// Client address range, e.g. `192.168.88.10-192.168.88.254` (comma-separated ranges allowed).
    pub address_pool: String,
    /// The router's address on that network, e.g. `192.168.88.1`.
    pub hotspot_address: String,
    /// The login page's host name, e.g. `login.wifi` (not `.local`: iOS misses it).
    pub dns_name: String,
    /// `https://host/checkout/<op>/<router>`; the login page's Buy link adds the portal variables.
    pub checkout_url: String,
    /// Host names reachable before login: the checkout host and [`pesapal_walled_garden_hosts`].
    /// Entries that are not plain host names, and captive-portal probe hosts, are skipped.
    pub walled_garden_hosts: Vec<String>,
    /// `https://host/routers/<op>/<router>/sync`, where each run posts its report and gets its
    /// changes; `login.html` is fetched beside it.
    pub sync_url: String,
    /// `https://host/routers/<op>/<router>/report`.
    pub report_url: String,
    /// The whole header, `X-Tiketi-Router-Secret: <secret>`.
    pub secret_header: String,
    /// One per ticket type sold on this router.
    pub profiles: Vec<HotspotProfile>,
}

impl std::fmt::Debug for SetupParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupParams")
            .field("router_id", &self.router_id)
            .field("business_name", &self.business_name)
            .field("hotspot_interface", &self.hotspot_interface)
            .field("address_pool", &self.address_pool)
            .field("hotspot_address", &self.hotspot_address)
            .field("dns_name", &self.dns_name)
            .field("checkout_url", &self.checkout_url)
            .field("walled_garden_hosts", &self.walled_garden_hosts)
            .field("sync_url", &self.sync_url)
            .field("report_url", &self.report_url)
            .field("secret_header", &"***")
            .field("profiles", &self.profiles)
            .finish()
    }
}

/// A setup parameter RouterOS would refuse (the import would stop at that line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSetup {
    #[error("the hotspot interface is empty")]
    Interface,
    #[error("the hotspot address is not an IPv4 address")]
    HotspotAddress,
    #[error("the address pool is not a range of IPv4 addresses (a.b.c.d-a.b.c.d)")]
    AddressPool,
    #[error("the DNS name is not a host name, or ends in .local")]
    DnsName,
    #[error("the {0} URL is not an https:// (or LAN http://) URL")]
    Url(&'static str),
    #[error("the secret header is not `Name: value`")]
    SecretHeader,
}

impl SetupParams {
    /// Checks the values RouterOS types (addresses, host names, URLs). Quoting makes any value
    /// safe to insert; this catches values the router would refuse.
    pub fn validate(&self) -> Result<(), InvalidSetup> {
        validate_hotspot(
            &self.hotspot_interface,
            &self.hotspot_address,
            &self.address_pool,
            &self.dns_name,
        )?;
        for (what, url) in [
            ("checkout", &self.checkout_url),
            ("sync", &self.sync_url),
            ("report", &self.report_url),
        ] {
            // https on the internet; plain http only for a server on the hotspot's own LAN
            // (the local host), where the router secret crosses no one else's network.
            let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
            if !scheme_ok || url_host(url).is_none() {
                return Err(InvalidSetup::Url(what));
            }
        }
        match self.secret_header.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() && !value.trim().is_empty() => Ok(()),
            _ => Err(InvalidSetup::SecretHeader),
        }
    }

    /// Where the router downloads its login page: `login.html` beside `sync_url`.
    pub fn login_page_url(&self) -> String {
        let path = self.sync_url.split(['?', '#']).next().unwrap_or_default();
        match path.rfind('/') {
            Some(i) => format!("{}/login.html", &path[..i]),
            None => format!("{path}/login.html"),
        }
    }

    /// The walled-garden hosts that will be written: plain host names only, lower-cased,
    /// without duplicates and without captive-portal probe hosts.
    pub fn walled_garden(&self) -> Vec<String> {
        let mut hosts: Vec<String> = Vec::new();
        for host in &self.walled_garden_hosts {
            let host = host.trim().to_ascii_lowercase();
            if is_host_name(&host)
                && !CAPTIVE_PORTAL_PROBES.contains(&host.as_str())
                && !hosts.contains(&host)
            {
                hosts.push(host);
            }
        }
        hosts
    }
}

/// Checks a router's hotspot network as the operator enters it: what RouterOS would refuse.
pub fn validate_hotspot(
    interface: &str,
    address: &str,
    pool: &str,
    dns_name: &str,
) -> Result<(), InvalidSetup> {
    if interface.trim().is_empty() {
        return Err(InvalidSetup::Interface);
    }
    if address.parse::<Ipv4Addr>().is_err() {
        return Err(InvalidSetup::HotspotAddress);
    }
    let range_ok = |r: &str| {
        let (a, b) = r.split_once('-').unwrap_or((r, r));
        a.parse::<Ipv4Addr>().is_ok() && b.parse::<Ipv4Addr>().is_ok()
    };
    if !pool.split(',').all(range_ok) {
        return Err(InvalidSetup::AddressPool);
    }
    if !is_host_name(dns_name) || dns_name.ends_with(".local") {
        return Err(InvalidSetup::DnsName);
    }
    Ok(())
}

/// A DNS host name: labels of letters, digits and inner hyphens, at least one dot.
fn is_host_name(host: &str) -> bool {
    host.len() <= 253
        && host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Step 0: import and trust each of [`TRUSTED_CAS`] that the router lacks.
fn trust_script() -> String {
    let mut out = String::from(
        "\n# 0. Trust the root certificates Tiketi may be served under (RouterOS before 7.19).\n",
    );
    let file = quote("tiketi-ca");
    let file_txt = quote("tiketi-ca.txt");
    for (name, pem) in TRUSTED_CAS {
        let cn = quote(name);
        let _ = write!(
            out,
            r#":if ([:len [/certificate find where common-name={cn}]] = 0) do={{
  :do {{
    :do {{ /file remove [find name={file_txt}] }} on-error={{}}
    /file print file={file}
    :delay 2s
    /file set [find name={file_txt}] contents={pem}
    /certificate import file-name={file_txt} passphrase=""
  }} on-error={{ :log warning {failed} }}
  :do {{ /file remove [find name={file_txt}] }} on-error={{}}
}}
:do {{ /certificate set [find where common-name={cn}] trusted=yes }} on-error={{}}
"#,
            pem = quote(pem),
            failed = quote(&format!("tiketi: could not import the {name} certificate")),
        );
    }
    out
}

/// The router's setup script. Import it once (`/import file-name=tiketi-setup.rsc`); importing
/// it again converges to the same state and updates changed values.
pub fn setup_script(p: &SetupParams) -> String {
    let tag = quote(TAG);
    let pool = quote(POOL);
    let iface = quote(&p.hotspot_interface);
    let mut out = String::new();

    let _ = write!(
        out,
        r#"# Tiketi setup for router {router} of {business}.
# RouterOS v7 and v6. Importing it again is safe: missing items are added, the rest updated.
# HTTPS downloads verify the server (check-certificate=yes-without-crl): RouterOS before 7.19
# needs the server's root CA imported and trusted in /certificate, which step 0 does.
{trust}
# 1. Address pool of the hotspot clients, shared with the interface's DHCP server.
:if ([:len [/ip pool find name={pool}]] = 0) do={{ /ip pool add name={pool} ranges={ranges} }}
/ip pool set [find name={pool}] ranges={ranges}
:do {{ /ip dhcp-server set [find interface={iface}] address-pool={pool} }} on-error={{}}

# 2. Hotspot server profile; its pages live in tiketi (flash/tiketi where flash/ exists).
{{
  :local dir {dir}
  :if ([:len [/file find name={flash}]] > 0) do={{ :set dir {flash_dir} }}
  :if ([:len [/ip hotspot profile find name={tag}]] = 0) do={{ /ip hotspot profile add name={tag} html-directory=$dir }}
  /ip hotspot profile set [find name={tag}] hotspot-address={address} dns-name={dns} html-directory=$dir login-by=http-chap,http-pap,cookie
  :do {{
    /tool fetch url={login_url} http-header-field={secret} check-certificate=yes-without-crl dst-path=($dir . "/login.html")
  }} on-error={{
    :log warning "tiketi: downloading login.html failed"
    :put "tiketi: downloading login.html failed (network, clock or CA certificate); the next import retries"
  }}
}}

# 3. Hotspot server on the interface (an existing server there is taken over).
:if ([:len [/ip hotspot find interface={iface}]] = 0) do={{
  :if ([:len [/ip hotspot find name={tag}]] = 0) do={{
    /ip hotspot add name={tag} interface={iface} profile={tag} address-pool={pool}
  }} else={{
    /ip hotspot set [find name={tag}] interface={iface}
  }}
}}
/ip hotspot set [find interface={iface}] profile={tag} address-pool={pool} disabled=no

# 4. One user profile per ticket type (speed and devices).
"#,
        router = quote(&p.router_id),
        business = quote(&p.business_name),
        trust = trust_script(),
        ranges = quote(&p.address_pool),
        dir = quote(TAG),
        flash = quote("flash"),
        flash_dir = quote(&format!("flash/{TAG}")),
        address = quote(&p.hotspot_address),
        dns = quote(&p.dns_name),
        login_url = quote(&p.login_page_url()),
        secret = quote(&header_fields(&[&p.secret_header])),
    );
    out.push_str(&profiles_script(&p.profiles));

    out.push_str(
        "\n# 5. Walled garden: checkout and payment hosts, reachable before login \
         (HTTP and IP level).\n",
    );
    let _ = writeln!(out, "/ip hotspot walled-garden remove [find comment={tag}]");
    let hosts = p.walled_garden();
    for host in &hosts {
        let _ = writeln!(
            out,
            "/ip hotspot walled-garden add dst-host={} action=allow comment={tag}",
            quote(host)
        );
    }
    let _ = writeln!(
        out,
        "/ip hotspot walled-garden ip remove [find comment={tag}]"
    );
    for host in &hosts {
        let _ = writeln!(
            out,
            "/ip hotspot walled-garden ip add dst-host={} action=accept comment={tag}",
            quote(host)
        );
    }

    let ntp = quote(NTP_SERVER);
    let ntp_v6 = format!("/system ntp client set enabled=yes mode=unicast server-dns-names={ntp}");
    let ntp_v7 = format!("/system ntp client set enabled=yes mode=unicast servers={ntp}");
    let _ = write!(
        out,
        r#"
# 6. Clock: NTP client (v7 servers=, v6 server-dns-names=; compiled for the running version).
{{
  :local ver [/system resource get version]
  :local cmd {v6}
  :if ([:tonum [:pick $ver 0 [:find $ver "."]]] >= 7) do={{ :set cmd {v7} }}
  :do {{
    :local run [:parse $cmd]
    $run
  }} on-error={{ :log warning "tiketi: enabling the NTP client failed" }}
}}
"#,
        v6 = quote(&ntp_v6),
        v7 = quote(&ntp_v7),
    );

    let script = quote(SYNC_SCRIPT);
    let on_event = quote(&format!("/system script run {SYNC_SCRIPT}"));
    let _ = write!(
        out,
        r#"
# 7. Sync every minute: {SYNC_SCRIPT} posts usage and imports the changes it gets back.
:if ([:len [/system script find name={script}]] = 0) do={{ /system script add name={script} policy={SYNC_POLICY} }}
/system script set [find name={script}] policy={SYNC_POLICY} source={source}
:if ([:len [/system scheduler find name={script}]] = 0) do={{ /system scheduler add name={script} interval=1m on-event={on_event} policy={SYNC_POLICY} }}
/system scheduler set [find name={script}] interval=1m on-event={on_event} policy={SYNC_POLICY} disabled=no
:put "tiketi: setup done; {SYNC_SCRIPT} runs every minute"
"#,
        source = quote(&sync_script(p)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> SetupParams {
        SetupParams {
            router_id: "r1".into(),
            business_name: "Cafe".into(),
            hotspot_interface: "bridge".into(),
            address_pool: "192.168.88.10-192.168.88.254".into(),
            hotspot_address: "192.168.88.1".into(),
            dns_name: "login.wifi".into(),
            checkout_url: "https://pay.tiketi.example/checkout/op/r1".into(),
            walled_garden_hosts: vec![
                "pay.tiketi.example".into(),
                "PAY.pesapal.com".into(),
                "pay.pesapal.com".into(),
                "captive.apple.com".into(),
                "https://evil.example/x".into(),
                "*.example.com".into(),
            ],
            sync_url: "https://pay.tiketi.example/routers/op/r1/sync".into(),
            report_url: "https://pay.tiketi.example/routers/op/r1/report".into(),
            secret_header: "X-Tiketi-Router-Secret: abc".into(),
            profiles: Vec::new(),
        }
    }

    #[test]
    fn walled_garden_keeps_plain_hosts_and_never_probe_hosts() {
        assert_eq!(
            params().walled_garden(),
            vec!["pay.tiketi.example", "pay.pesapal.com"]
        );
    }

    #[test]
    fn login_page_sits_beside_the_sync_script() {
        let mut p = params();
        assert_eq!(
            p.login_page_url(),
            "https://pay.tiketi.example/routers/op/r1/login.html"
        );
        p.sync_url = "https://h.example/r/sync?v=2".into();
        assert_eq!(p.login_page_url(), "https://h.example/r/login.html");
    }

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("https://Pay.Tiketi.example:8443/checkout?x=1").as_deref(),
            Some("pay.tiketi.example")
        );
        assert_eq!(url_host("http://a.example").as_deref(), Some("a.example"));
        assert_eq!(url_host("ftp://a.example"), None);
        assert_eq!(url_host("https://localhost/"), None);
    }

    #[test]
    fn validation_catches_what_routeros_refuses() {
        assert_eq!(params().validate(), Ok(()));
        let mut p = params();
        p.hotspot_address = "192.168.88".into();
        assert_eq!(p.validate(), Err(InvalidSetup::HotspotAddress));
        let mut p = params();
        p.address_pool = "10.0.0.2-10.0.0.x".into();
        assert_eq!(p.validate(), Err(InvalidSetup::AddressPool));
        let mut p = params();
        p.dns_name = "hotspot.local".into();
        assert_eq!(p.validate(), Err(InvalidSetup::DnsName));
        let mut p = params();
        p.sync_url = "ftp://pay.tiketi.example/sync".into();
        assert_eq!(p.validate(), Err(InvalidSetup::Url("sync")));
        let mut p = params();
        p.sync_url = "http://192.168.88.2:8080/routers/o/r/sync".into();
        assert_eq!(
            p.validate(),
            Ok(()),
            "plain http to a server on the hotspot LAN"
        );
        let mut p = params();
        p.secret_header = "abc".into();
        assert_eq!(p.validate(), Err(InvalidSetup::SecretHeader));
        let mut p = params();
        p.hotspot_interface = " ".into();
        assert_eq!(p.validate(), Err(InvalidSetup::Interface));
    }

    #[test]
    fn debug_output_hides_the_secret() {
        assert!(!format!("{:?}", params()).contains("abc"));
    }
}
