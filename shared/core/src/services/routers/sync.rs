//! What a router is told to change: its live vouchers against what it reported holding, in
//! pages that fit RouterOS's fetch (`docs/routers.md`).

use std::collections::HashMap;

use super::reports::{ReportOutcome, ReportPage};
use crate::{
    domain::{
        batch::BatchStatus,
        catalog::Router,
        router_state::{Planned, fingerprint},
        usage::parse_report,
        voucher::{Origin, Voucher, VoucherStatus},
    },
    ports::Clock,
    routeros,
    services::{Platform, ServiceError, Tiketi},
    store::{RouterInventory, keys::LiveLane},
};

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
    /// Nothing to change: the router is in sync.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.reprofile.is_empty() && self.remove.is_empty()
    }

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
            script.push_str(IN_SYNC);
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

/// The script of a sync that changes nothing.
const IN_SYNC: &str = "# Tiketi: this router is in sync.\n";

impl<P: Platform> Tiketi<P> {
    /// One run of a router's `tiketi-sync` (`POST …/sync`): applies the report it posts (the
    /// last page of it, or the whole) and answers the script of what the router should change.
    /// While nothing changed since a full plan found the router in sync (its change counter,
    /// the users it reports, within the hour), the answer costs no further read: see
    /// `domain::router_state`.
    pub async fn sync_run(
        &self,
        router: &Router,
        body: &str,
        page: ReportPage,
    ) -> Result<(ReportOutcome, String), ServiceError> {
        let (op, id) = (&router.operator_id, &router.id);
        let mut inventory = self.router_state_for(router, page).await?;
        let before = inventory.clone();
        let outcome = self
            .apply_report(router, &parse_report(body), page, &mut inventory)
            .await?;
        let now = self.clock.now();
        let users = fingerprint(
            inventory.users.iter().map(String::as_str),
            inventory.slow.iter().map(String::as_str),
        );
        // A voucher this report (or an earlier page of it) changed drops the plan: see
        // `apply_report`.
        let in_sync = inventory
            .planned
            .is_some_and(|p| p.still_in_sync(inventory.changes, users, now));
        let script = if in_sync {
            IN_SYNC.to_owned()
        } else {
            // The counter as read before planning: a change made meanwhile makes the next run
            // plan again, never skip it.
            let changes = inventory.changes;
            let plan = self.plan_against(router, &inventory).await?;
            inventory.planned = plan.is_empty().then_some(Planned {
                changes,
                users,
                at: now,
            });
            plan.script()
        };
        if inventory != before {
            self.store.save_router_inventory(op, id, &inventory).await?;
        }
        Ok((outcome, script))
    }

    /// What the router should change now, against its stored report (`GET …/sync.rsc`, which
    /// routers set up before `POST …/sync` existed still call after posting their report).
    pub async fn sync_plan(&self, router: &Router) -> Result<SyncPlan, ServiceError> {
        let inventory = self
            .store
            .router_inventory(&router.operator_id, &router.id)
            .await?
            .unwrap_or_default();
        self.plan_against(router, &inventory).await
    }

    /// What the router should change: its live vouchers (desired) against what its last
    /// complete report said it holds (present). Before any report, only additions are sent.
    async fn plan_against(
        &self,
        router: &Router,
        inventory: &RouterInventory,
    ) -> Result<SyncPlan, ServiceError> {
        let (op, id) = (&router.operator_id, &router.id);
        let mut present: Vec<&str> = inventory.users.iter().map(String::as_str).collect();
        present.sort_unstable();
        present.dedup();
        let slow: std::collections::HashSet<&str> =
            inventory.slow.iter().map(String::as_str).collect();
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
        // An active voucher the router lost (a reset) gets back what is left of its allowance
        // as last reported: its counters between changes of status are in its history.
        for voucher in plan
            .add
            .iter_mut()
            .filter(|v| v.status == VoucherStatus::Active)
        {
            voucher.usage = self.store.current_usage(voucher).await?;
        }
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
