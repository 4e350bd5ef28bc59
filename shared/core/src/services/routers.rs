//! Routers: issuing and rotating a router's secret, recognising a router by the secret it
//! presents, and applying its usage reports (see `docs/routers.md`).

use std::collections::HashMap;

use tracing::{info, warn};

use super::{Platform, ServiceError, Tiketi};
use crate::{
    domain::{
        batch::BatchStatus,
        catalog::Router,
        router_secret::{self, RouterSecret},
        usage::{RouterFacts, parse_report},
        voucher::{Origin, Voucher, VoucherStatus},
        voucher_code::VoucherCode,
    },
    ports::Clock,
    routeros,
    store::{RouterInventory, StoreError, keys::LiveLane},
};

impl<P: Platform> Tiketi<P> {
    /// Issues a new secret for a router, replacing (and so revoking) any previous one. The
    /// secret is returned once; only its digest is stored.
    pub async fn rotate_router_secret(
        &self,
        operator_id: &str,
        router_id: &str,
    ) -> Result<RouterSecret, ServiceError> {
        let secret = RouterSecret::generate(&mut rand::rng());
        let digest = router_secret::digest(operator_id, router_id, secret.expose());
        match self
            .store
            .set_router_secret_digest(operator_id, router_id, &digest)
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::NotFound("router"));
            }
            Err(e) => return Err(e.into()),
        }
        info!(operator_id, router_id, "router secret rotated");
        Ok(secret)
    }

    /// The router, if `presented` is its current secret; `Unauthorized` otherwise (also for an
    /// unknown router, so a caller learns nothing about which routers exist).
    pub async fn authenticate_router(
        &self,
        operator_id: &str,
        router_id: &str,
        presented: &str,
    ) -> Result<Router, ServiceError> {
        let router = self.store.router(operator_id, router_id).await?;
        match router {
            Some(router)
                if router.secret_digest.as_deref().is_some_and(|digest| {
                    router_secret::verify(operator_id, router_id, presented, digest)
                }) =>
            {
                Ok(router)
            }
            _ => Err(ServiceError::Unauthorized),
        }
    }
}

/// Which page of a run's report a request carries (reports are posted in pages of a few KB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportPage {
    /// 1 for the first page of a run.
    pub number: u32,
    /// Whether this page completes the run's report.
    pub last: bool,
}

impl ReportPage {
    /// A report in one piece.
    pub const WHOLE: Self = Self {
        number: 1,
        last: true,
    };

    /// The inventory after this page: a first page starts a new collection, later pages add
    /// to it, and the last page makes it the router's inventory.
    fn merge(
        self,
        previous: Option<RouterInventory>,
        mut names: Vec<String>,
        mut slow: Vec<String>,
        facts: Option<RouterFacts>,
        now: jiff::Timestamp,
    ) -> RouterInventory {
        let mut inventory = previous.unwrap_or_else(|| RouterInventory {
            reported_at: now,
            ..RouterInventory::default()
        });
        if let Some(facts) = facts {
            inventory.facts = Some(facts);
            inventory.facts_at = Some(now);
        }
        if self.number <= 1 {
            inventory.incoming.clear();
            inventory.incoming_slow.clear();
        }
        inventory.incoming.append(&mut names);
        inventory.incoming_slow.append(&mut slow);
        if self.last {
            inventory.users = std::mem::take(&mut inventory.incoming);
            inventory.slow = std::mem::take(&mut inventory.incoming_slow);
            inventory.reported_at = now;
        }
        inventory
    }
}

/// What one usage report did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportOutcome {
    /// Tiketi users the router reported.
    pub users: usize,
    /// Vouchers whose status or counters changed.
    pub updated: usize,
    /// Names of used users that are not vouchers of this router (ignored, logged; never-used
    /// users are not looked up).
    pub foreign: usize,
    /// Unsold pool vouchers that were used: someone had the code without paying (logged).
    pub misused: usize,
    pub unreadable_lines: usize,
}

impl<P: Platform> Tiketi<P> {
    /// Applies a router's usage report (`domain::usage`): first logins activate vouchers and
    /// start their validity, exhausted allowances use them up, counters go to the usage
    /// history, and the reported names become the router's inventory for the next sync. A
    /// report is idempotent: repeating it changes nothing more.
    pub async fn record_usage(
        &self,
        router: &Router,
        body: &str,
        page: ReportPage,
    ) -> Result<ReportOutcome, ServiceError> {
        let report = parse_report(body);
        let now = self.clock.now();
        let mut outcome = ReportOutcome {
            users: report.users.len(),
            unreadable_lines: report.unreadable_lines,
            ..ReportOutcome::default()
        };
        for user in &report.users {
            // A user never logged in changes nothing: no read for it (a router loaded with a
            // 10,000-voucher batch reports thousands of those every minute).
            if !user.used() {
                continue;
            }
            // Exactly the voucher's code: a router user spelled differently is not that voucher.
            let voucher = match VoucherCode::parse(&user.name) {
                Ok(code) if code.as_str() == user.name => {
                    self.store
                        .voucher(&router.operator_id, code.as_str())
                        .await?
                }
                _ => None,
            };
            let Some(voucher) = voucher.filter(|v| v.router_id == router.id) else {
                warn!(router_id = %router.id, name = %user.name, "report names a user that is not this router's voucher");
                outcome.foreign += 1;
                continue;
            };
            if matches!(voucher.origin, Origin::Pool { .. }) && user.used() {
                warn!(router_id = %router.id, voucher = %voucher.code, "an unsold pool voucher was used");
                outcome.misused += 1;
            }
            let Some(change) = voucher.apply_usage(user.uptime_seconds, user.bytes_total(), now)
            else {
                continue;
            };
            match self.store.apply_voucher_usage(&voucher, &change).await {
                Ok(()) => outcome.updated += 1,
                // Changed meanwhile (cancelled, swept): the next report applies on fresh state.
                Err(StoreError::ConditionFailed { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let names = report.users.iter().map(|u| u.name.clone()).collect();
        let slow = report
            .users
            .iter()
            .filter(|u| {
                u.profile
                    .as_deref()
                    .is_some_and(|p| p.ends_with(routeros::FAIR_SUFFIX))
            })
            .map(|u| u.name.clone())
            .collect();
        let previous = self
            .store
            .router_inventory(&router.operator_id, &router.id)
            .await?;
        let inventory = page.merge(previous, names, slow, report.facts, now);
        self.store
            .save_router_inventory(&router.operator_id, &router.id, &inventory)
            .await?;
        info!(router_id = %router.id, ?outcome, "usage report recorded");
        Ok(outcome)
    }
}

/// At most this many users are added or removed by one sync response (about 380 bytes a user;
/// measured in `docs/benchmarks.md`); the next minute continues.
pub const SYNC_PAGE: usize = 150;
/// And a response never exceeds this many bytes, whatever the codes' and passwords' lengths:
/// RouterOS's fetch reads at most 64 KiB.
pub const SYNC_BYTES: usize = 60_000;
/// Live vouchers read per store query while planning a sync.
const SYNC_READ: usize = 500;
/// Live vouchers a sync reads before it stops, once its page of additions is full: removals
/// are then exact for any router holding up to this many, and a bigger backlog costs a
/// bounded walk (20 reads), not the whole live set.
const SYNC_WALK: usize = 10_000;

/// What one sync response does to a router.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncPlan {
    /// Live vouchers the router lacks (added, or updated if present).
    pub add: Vec<Voucher>,
    /// Live vouchers the router holds on the wrong profile (fair usage: their quota ran out).
    pub reprofile: Vec<Voucher>,
    /// Tiketi users the router holds that are no longer live (or unknown).
    pub remove: Vec<String>,
}

impl SyncPlan {
    /// Leaves out users from the end (additions, then slow-downs, then removals) until the
    /// script fits in `budget` bytes. Sync is state-based, so what is left out comes next run.
    pub fn fit(&mut self, budget: usize) {
        while self.script().len() > budget {
            if self.add.pop().is_none()
                && self.reprofile.pop().is_none()
                && self.remove.pop().is_none()
            {
                return;
            }
        }
    }

    /// The RouterOS script of the plan: the profiles the added users need, the users, the
    /// removals. Applying it twice is applying it once.
    pub fn script(&self) -> String {
        let mut profiles: Vec<_> = self
            .add
            .iter()
            .chain(&self.reprofile)
            .flat_map(|v| routeros::profiles_for_terms(&v.terms))
            .collect();
        profiles.sort_by(|a, b| a.name.cmp(&b.name));
        profiles.dedup_by(|a, b| a.name == b.name);
        let users: Vec<_> = self.add.iter().map(router_user).collect();
        let reprofiled: Vec<_> = self.reprofile.iter().map(router_user).collect();
        let removals: Vec<&str> = self.remove.iter().map(String::as_str).collect();
        let mut script = String::new();
        if !profiles.is_empty() {
            script.push_str(&routeros::profiles_script(&profiles));
        }
        if !users.is_empty() {
            script.push_str(&routeros::users_script(&users));
        }
        if !reprofiled.is_empty() {
            script.push_str(&routeros::reprofile_users_script(&reprofiled));
        }
        if !removals.is_empty() {
            script.push_str(&routeros::remove_users_script(&removals));
        }
        if script.is_empty() {
            script.push_str("# Tiketi: this router is in sync.\n");
        }
        script
    }
}

/// The router user of a voucher. An active voucher the router lost (a reset, a restored
/// backup) gets back only what is left of its allowance, never a fresh one.
fn router_user(voucher: &Voucher) -> routeros::HotspotUser {
    let mut user = routeros::user_for(voucher);
    if voucher.status == VoucherStatus::Active {
        let left = |limit: Option<u64>, used: u64| limit.map(|l| l.saturating_sub(used).max(1));
        user.limit_uptime_seconds = left(user.limit_uptime_seconds, voucher.usage.uptime_seconds);
        user.limit_bytes_total = left(user.limit_bytes_total, voucher.usage.bytes_used);
    }
    user
}

impl<P: Platform> Tiketi<P> {
    /// What the router should change now: its live vouchers (desired) against what its last
    /// complete report said it holds (present). Before any report, only additions are sent.
    pub async fn sync_plan(&self, router: &Router) -> Result<SyncPlan, ServiceError> {
        let (op, id) = (&router.operator_id, &router.id);
        let inventory = self.store.router_inventory(op, id).await?;
        let mut present: Vec<&str> = inventory
            .iter()
            .flat_map(|i| i.users.iter().map(String::as_str))
            .collect();
        present.sort_unstable();
        present.dedup();
        let slow: std::collections::HashSet<&str> = inventory
            .iter()
            .flat_map(|i| i.slow.iter().map(String::as_str))
            .collect();
        // Walk the live set beside the sorted inventory: first the buyers' lane whole (online
        // sales and the pool, so a paid voucher never waits behind a batch backlog), then the
        // stock lane in code order. Once a page of additions is found, keep matching until
        // `SYNC_WALK` vouchers were read: a backlog then costs a bounded walk, not the whole
        // live set. Removals are decided for the inventory names the walk passed (the whole
        // buyers' lane, the stock up to where it got); the others wait for a later run.
        let mut walk = LiveWalk {
            present: &present,
            slow: &slow,
            matched: vec![false; present.len()],
            plan: SyncPlan::default(),
        };
        let mut stock_reached = None;
        // Batches voided while the queue worker is still cancelling their unused vouchers: the
        // router must neither get nor keep those meanwhile (vouchers in use keep working).
        let mut voided: HashMap<String, bool> = HashMap::new();
        let mut read = 0;
        for lane in [LiveLane::Buyers, LiveLane::Stock] {
            let mut after: Option<String> = None;
            let walked_lane = loop {
                let page = self
                    .store
                    .router_live_vouchers(op, id, lane, after.as_deref(), SYNC_READ)
                    .await?;
                let exhausted = page.len() < SYNC_READ;
                read += page.len();
                after = page.last().map(|v| v.code.clone()).or(after);
                for voucher in page {
                    if let (Origin::Batch { batch_id }, VoucherStatus::Unused) =
                        (&voucher.origin, voucher.status)
                    {
                        if !voided.contains_key(batch_id) {
                            let batch = self.store.batch(op, batch_id).await?;
                            let gone = batch.is_some_and(|b| b.status == BatchStatus::Cancelled);
                            voided.insert(batch_id.clone(), gone);
                        }
                        if voided[batch_id] {
                            continue;
                        }
                    }
                    walk.visit(voucher);
                }
                if exhausted {
                    break true;
                }
                if walk.plan.add.len() >= SYNC_PAGE && read >= SYNC_WALK {
                    break false;
                }
            };
            match lane {
                LiveLane::Buyers if !walked_lane => break,
                LiveLane::Buyers => {}
                LiveLane::Stock => stock_reached = Some((walked_lane, after)),
            }
        }
        let settled = |name: &str| match &stock_reached {
            None => false,
            Some((true, _)) => true,
            Some((false, last)) => last.as_deref().is_some_and(|last| name <= last),
        };
        let LiveWalk {
            matched, mut plan, ..
        } = walk;
        plan.remove = present
            .iter()
            .zip(&matched)
            .filter(|(name, seen)| !**seen && settled(name))
            .map(|(name, _)| (*name).to_owned())
            .take(SYNC_PAGE)
            .collect();
        plan.fit(SYNC_BYTES);
        Ok(plan)
    }
}

/// The state of a sync plan's walk over the live vouchers.
struct LiveWalk<'a> {
    /// What the router holds, sorted.
    present: &'a [&'a str],
    /// What it holds on a slow (fair-usage) profile.
    slow: &'a std::collections::HashSet<&'a str>,
    /// Which of `present` the walk has met.
    matched: Vec<bool>,
    plan: SyncPlan,
}

impl LiveWalk<'_> {
    fn visit(&mut self, voucher: Voucher) {
        match self.present.binary_search(&voucher.code.as_str()) {
            Ok(i) => {
                self.matched[i] = true;
                if routeros::runs_slow(&voucher) != self.slow.contains(voucher.code.as_str())
                    && self.plan.reprofile.len() < SYNC_PAGE
                {
                    self.plan.reprofile.push(voucher);
                }
            }
            Err(_) if self.plan.add.len() < SYNC_PAGE => self.plan.add.push(voucher),
            Err(_) => {}
        }
    }
}

impl<P: Platform> Tiketi<P> {
    /// The setup script of a router, with a new secret (which revokes the previous one): what
    /// the operator pastes into the router once.
    pub async fn router_setup_script(
        &self,
        operator_id: &str,
        router_id: &str,
    ) -> Result<String, ServiceError> {
        // Validate before rotating: a refused setup must not lock out the working router.
        let invalid = |e: routeros::InvalidSetup| ServiceError::Invalid(e.to_string());
        let placeholder = "0".repeat(32);
        self.setup_params(operator_id, router_id, &placeholder)
            .await?
            .validate()
            .map_err(invalid)?;
        let secret = self.rotate_router_secret(operator_id, router_id).await?;
        let params = self
            .setup_params(operator_id, router_id, secret.expose())
            .await?;
        params.validate().map_err(invalid)?;
        Ok(routeros::setup_script(&params))
    }

    /// The router's login page (`login.html`), which its setup script downloads.
    pub async fn router_login_page(&self, router: &Router) -> Result<String, ServiceError> {
        let params = self
            .setup_params(&router.operator_id, &router.id, "-")
            .await?;
        Ok(routeros::login_page(&params))
    }

    async fn setup_params(
        &self,
        operator_id: &str,
        router_id: &str,
        secret: &str,
    ) -> Result<routeros::SetupParams, ServiceError> {
        let storefront = self.storefront(operator_id, router_id).await?;
        let base = &self.settings.public_base_url;
        let router_base = format!("{base}/routers/{operator_id}/{router_id}");
        let checkout_url = format!("{base}/checkout/{operator_id}/{router_id}");
        let mut walled_garden_hosts: Vec<String> =
            routeros::url_host(&checkout_url).into_iter().collect();
        walled_garden_hosts.extend(
            routeros::pesapal_walled_garden_hosts()
                .into_iter()
                .map(str::to_owned),
        );
        let network = &storefront.router.hotspot;
        Ok(routeros::SetupParams {
            router_id: router_id.to_owned(),
            business_name: storefront.operator.business_name.clone(),
            hotspot_interface: network.interface.clone(),
            address_pool: network.pool.clone(),
            hotspot_address: network.address.clone(),
            dns_name: storefront.router.hotspot_dns.clone(),
            checkout_url,
            walled_garden_hosts,
            sync_url: format!("{router_base}/sync.rsc"),
            report_url: format!("{router_base}/report"),
            secret_header: format!("{}: {secret}", router_secret::HEADER),
            profiles: storefront
                .ticket_types
                .iter()
                .flat_map(routeros::profiles_for)
                .collect(),
        })
    }
}
