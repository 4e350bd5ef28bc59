//! What routers report: for every Tiketi user on the router, its counters (`domain::usage`),
//! and so which users it holds. A report line is read against the voucher only when it could
//! change it (`domain::router_state::usage_matters`): a first login activates the voucher and
//! starts its validity, an exhausted allowance uses it up (or slows it to its fair speed),
//! every further quarter of the allowance is written to its usage; other lines cost nothing.

use tracing::{info, warn};

use crate::{
    domain::{
        catalog::Router,
        router_state::{Recorded, heartbeat_due, usage_matters},
        usage::{RouterFacts, UsageReport, UserUsage, parse_report},
        voucher::Origin,
        voucher_code::VoucherCode,
    },
    ports::Clock,
    routeros,
    services::{Platform, ServiceError, Tiketi},
    store::{RouterInventory, StoreError},
};

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

    /// Adds this page's users to the inventory: a first page starts a new collection, later
    /// pages add to it, and the last page makes it the router's inventory.
    fn merge(self, inventory: &mut RouterInventory, mut names: Vec<String>, mut slow: Vec<String>) {
        if self.number <= 1 {
            inventory.incoming.clear();
            inventory.incoming_slow.clear();
        }
        if self.number <= 1 && self.last {
            inventory.users = names;
            inventory.slow = slow;
            return;
        }
        inventory.incoming.append(&mut names);
        inventory.incoming_slow.append(&mut slow);
        if self.last {
            inventory.users = std::mem::take(&mut inventory.incoming);
            inventory.slow = std::mem::take(&mut inventory.incoming_slow);
        }
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

/// Whether a router's facts differ in what they say about it (its version or licence), not in
/// the time they were taken.
fn facts_moved(stored: Option<&RouterFacts>, reported: Option<&RouterFacts>) -> bool {
    match (stored, reported) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(a), Some(b)) => a.version != b.version || a.licence_level != b.licence_level,
    }
}

impl<P: Platform> Tiketi<P> {
    /// Applies one page of a router's report (`POST …/report`: the pages before the last of a
    /// big router's run, and every report of a router set up before `POST …/sync`). A report is
    /// idempotent: repeating it changes nothing more.
    pub async fn record_usage(
        &self,
        router: &Router,
        body: &str,
        page: ReportPage,
    ) -> Result<ReportOutcome, ServiceError> {
        let (op, id) = (&router.operator_id, &router.id);
        let mut inventory = self.router_state_for(router, page).await?;
        let before = inventory.clone();
        let outcome = self
            .apply_report(router, &parse_report(body), page, &mut inventory)
            .await?;
        if inventory != before {
            self.store.save_router_inventory(op, id, &inventory).await?;
        }
        Ok(outcome)
    }

    /// The router's state as a page of its report finds it. A first page reads it eventually
    /// consistent (half the price; the run before was a minute ago); a later page must see the
    /// page its run wrote a moment ago, so it reads it strongly consistent.
    pub(super) async fn router_state_for(
        &self,
        router: &Router,
        page: ReportPage,
    ) -> Result<RouterInventory, ServiceError> {
        let (op, id) = (&router.operator_id, &router.id);
        let state = if page.number <= 1 {
            self.store.router_inventory_eventually(op, id).await?
        } else {
            self.store.router_inventory(op, id).await?
        };
        Ok(state.unwrap_or_default())
    }

    /// Applies a report page to the router's state: what matters of its usage written to the
    /// vouchers, its users merged, and (on the last page) its facts and report time when they
    /// moved or the heartbeat is due. The caller saves the state if it changed.
    pub(super) async fn apply_report(
        &self,
        router: &Router,
        report: &UsageReport,
        page: ReportPage,
        inventory: &mut RouterInventory,
    ) -> Result<ReportOutcome, ServiceError> {
        let now = self.clock.now();
        let before = inventory.clone();
        let mut outcome = ReportOutcome {
            users: report.users.len(),
            unreadable_lines: report.unreadable_lines,
            ..ReportOutcome::default()
        };
        for user in &report.users {
            // A user never logged in changes nothing: no read for it (a router loaded with a
            // 10,000-voucher batch reports thousands of those every minute).
            if !user.used() || !usage_matters(inventory.recorded.get(&user.name), user) {
                continue;
            }
            if let Some(recorded) = self.record_user(router, user, now, &mut outcome).await? {
                inventory.recorded.insert(user.name.clone(), recorded);
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
        page.merge(inventory, names, slow);
        if page.last {
            // Users gone from the router are forgotten.
            let held: std::collections::HashSet<&str> =
                inventory.users.iter().map(String::as_str).collect();
            inventory
                .recorded
                .retain(|name, _| held.contains(name.as_str()));
            if *inventory != before
                || facts_moved(inventory.facts.as_ref(), report.facts.as_ref())
                || heartbeat_due(inventory.last_report(), now)
            {
                inventory.reported_at = now;
                if let Some(facts) = &report.facts {
                    inventory.facts = Some(facts.clone());
                    inventory.facts_at = Some(now);
                }
            }
        }
        if outcome.updated > 0 {
            // A changed voucher may change what the router should hold (used up, slowed
            // down): the next plan is a full one, whichever page or run makes it.
            inventory.planned = None;
        }
        if outcome.updated > 0 || outcome.foreign > 0 || outcome.misused > 0 {
            info!(router_id = %router.id, ?outcome, "usage report recorded");
        }
        Ok(outcome)
    }

    /// Reads a used user's voucher and writes what its counters change; what to remember about
    /// it (`None`: the write lost a race, so the next report tries again).
    async fn record_user(
        &self,
        router: &Router,
        user: &UserUsage,
        now: jiff::Timestamp,
        outcome: &mut ReportOutcome,
    ) -> Result<Option<Recorded>, ServiceError> {
        let (uptime, bytes) = (user.uptime_seconds, user.bytes_total());
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
            return Ok(Some(Recorded {
                uptime,
                bytes,
                allowance: None,
                settled: true,
            }));
        };
        if matches!(voucher.origin, Origin::Pool { .. }) {
            warn!(router_id = %router.id, voucher = %voucher.code, "an unsold pool voucher was used");
            outcome.misused += 1;
        }
        let (status, throttled) = match voucher.apply_usage(uptime, bytes, now) {
            None => (voucher.status, voucher.throttled_at.is_some()),
            Some(change) => match self.store.apply_voucher_usage(&voucher, &change).await {
                Ok(()) => {
                    outcome.updated += 1;
                    (
                        change.status,
                        change.throttled_at.or(voucher.throttled_at).is_some(),
                    )
                }
                // Changed meanwhile (cancelled, swept): the next report applies on fresh state.
                Err(StoreError::ConditionFailed { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            },
        };
        Ok(Some(Recorded {
            uptime,
            bytes,
            allowance: Some(voucher.terms.allowance),
            settled: !status.is_live() || throttled,
        }))
    }
}
