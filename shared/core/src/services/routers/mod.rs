//! Routers (see `docs/routers.md`): their secrets (here), what they report (`reports`), what
//! they are told to change (`sync`), and the scripts that set them up (`setup`).
//!
//! A router runs `tiketi-sync` every minute: one request that posts its report and gets its
//! changes back (`Tiketi::sync_run`), answered from two reads while nothing happened
//! (`domain::router_state`).

mod reports;
mod setup;
mod sync;

use tracing::info;

pub use reports::{ReportOutcome, ReportPage};
pub use sync::{SYNC_BYTES, SYNC_PAGE, SyncPlan};

use super::{Platform, ServiceError, Tiketi};
use crate::{
    domain::{
        catalog::Router,
        router_secret::{self, RouterSecret},
    },
    store::StoreError,
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
        let router = self.store.router_eventually(operator_id, router_id).await?;
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
