//! Routers' credentials: issuing and rotating a router's secret, and recognising a router by
//! the secret it presents (see `domain::router_secret` and `docs/routers.md`).

use tracing::info;

use super::{Platform, ServiceError, Tiketi};
use crate::domain::{
    catalog::Router,
    router_secret::{self, RouterSecret},
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
