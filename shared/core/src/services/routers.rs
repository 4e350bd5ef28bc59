//! Routers: issuing and rotating a router's secret, recognising a router by the secret it
//! presents, and applying its usage reports (see `docs/routers.md`).

use tracing::{info, warn};

use super::{Platform, ServiceError, Tiketi};
use crate::{
    domain::{
        catalog::Router,
        router_secret::{self, RouterSecret},
        usage::parse_report,
        voucher_code::VoucherCode,
    },
    ports::Clock,
    store::{RouterInventory, StoreError},
};

impl<P: Platform> Tiketi<P> {
    /// Issues a new secret for a router, replacing (and so revoking) any previous one. The
    /// secret is returned once; only its digest is stored.
    pub async fn rotate_router_secret(
        &self,
        operator_id: &str,
        router_id: &str,
    ) -> Result<RouterSecret, ServiceError> {
        let mut router = self
            .store
            .router(operator_id, router_id)
            .await?
            .ok_or(ServiceError::NotFound("router"))?;
        let secret = RouterSecret::generate(&mut rand::rng());
        router.secret_digest = Some(router_secret::digest(
            operator_id,
            router_id,
            secret.expose(),
        ));
        self.store.put_router(&router).await?;
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

/// What one usage report did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportOutcome {
    /// Tiketi users the router reported.
    pub users: usize,
    /// Vouchers whose status or counters changed.
    pub updated: usize,
    /// Names that are not vouchers of this router (ignored, logged).
    pub foreign: usize,
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
    ) -> Result<ReportOutcome, ServiceError> {
        let report = parse_report(body);
        let now = self.clock.now();
        let mut outcome = ReportOutcome {
            users: report.users.len(),
            unreadable_lines: report.unreadable_lines,
            ..ReportOutcome::default()
        };
        for user in &report.users {
            let voucher = match VoucherCode::parse(&user.name) {
                Ok(code) => {
                    self.store
                        .voucher(&router.operator_id, code.as_str())
                        .await?
                }
                Err(_) => None,
            };
            let Some(voucher) = voucher.filter(|v| v.router_id == router.id) else {
                warn!(router_id = %router.id, name = %user.name, "report names a user that is not this router's voucher");
                outcome.foreign += 1;
                continue;
            };
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
        let inventory = RouterInventory {
            users: report.users.into_iter().map(|u| u.name).collect(),
            reported_at: now,
        };
        self.store
            .save_router_inventory(&router.operator_id, &router.id, &inventory)
            .await?;
        info!(router_id = %router.id, ?outcome, "usage report recorded");
        Ok(outcome)
    }
}
