//! Pools of unsold vouchers on routers, so an online buyer can log in at once: each router
//! holds `POOL_SIZE` unused vouchers of every ticket type its checkout sells, loaded by the
//! ordinary sync; issuance claims one (see `issuance`) and tops that pool up at once, and the
//! scheduled pass tops every pool up in full once an hour ([`FULL_REFILL_EVERY`]: new routers,
//! new or edited packages), not every minute, which would cost reads for every router.
//! Pool vouchers are not sales: they become revenue only when a paid order claims them.

use tracing::{info, warn};

use super::{Platform, ServiceError, Tiketi};
use crate::{
    domain::{
        catalog::{Operator, Router, TicketTerms, TicketType},
        voucher::{Origin, Voucher},
        voucher_code::{DEFAULT_LENGTH, VoucherCode},
    },
    ports::Clock,
    store::StoreError,
};

/// Unsold vouchers kept on each router per ticket type.
pub const POOL_SIZE: usize = 3;
/// How often the scheduled pass tops up every pool.
pub const FULL_REFILL_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

impl<P: Platform> Tiketi<P> {
    /// Tops up every router's pools; returns how many vouchers were added. Pool vouchers whose
    /// terms no longer match their ticket type (it was edited), or whose ticket type is no
    /// longer sold at the router, are cancelled, so routers drop them.
    pub async fn refill_pools(&self) -> Result<usize, ServiceError> {
        self.refill_pools_until(self.settings.pass_deadline()).await
    }

    /// The scheduled pass's top-up: every pool, if the last full top-up is an hour old.
    pub async fn refill_pools_when_due(
        &self,
        deadline: std::time::Instant,
    ) -> Result<usize, ServiceError> {
        let now = self.clock.now();
        let last = self.store.pools_refilled_at().await?;
        if last.is_some_and(|at| now.duration_since(at) < FULL_REFILL_EVERY) {
            return Ok(0);
        }
        self.refill_pools_until(deadline).await
    }

    /// Tops up every pool; operators not reached by `deadline` wait for the next pass (the
    /// top-up counts as done only when every operator was reached).
    pub async fn refill_pools_until(
        &self,
        deadline: std::time::Instant,
    ) -> Result<usize, ServiceError> {
        let now = self.clock.now();
        let mut added = 0;
        let mut reached_all = true;
        for operator in self.store.operators().await? {
            if std::time::Instant::now() >= deadline {
                reached_all = false;
                break;
            }
            // One operator's failure must not stop the others' pools.
            match self.refill_operator_pools(&operator).await {
                Ok(n) => added += n,
                Err(error) => {
                    warn!(operator_id = %operator.id, %error, "pool top-up failed for this operator")
                }
            }
        }
        if added > 0 {
            info!(added, "voucher pools topped up");
        }
        if reached_all {
            self.store.set_pools_refilled_at(now).await?;
        }
        Ok(added)
    }

    /// Tops up one pool at once, after a sale claimed a voucher from it.
    pub async fn refill_pool(
        &self,
        operator_id: &str,
        router_id: &str,
        ticket_type_id: &str,
    ) -> Result<usize, ServiceError> {
        let operator = self
            .store
            .operator(operator_id)
            .await?
            .ok_or(ServiceError::NotFound("operator"))?;
        let storefront = self.storefront(operator_id, router_id).await?;
        match storefront
            .ticket_types
            .iter()
            .find(|t| t.id == ticket_type_id)
        {
            Some(ticket) => {
                self.top_up(&storefront.router, ticket, code_length(&operator))
                    .await
            }
            None => Ok(0),
        }
    }

    async fn refill_operator_pools(&self, operator: &Operator) -> Result<usize, ServiceError> {
        let mut added = 0;
        let length = code_length(operator);
        let all_types = self.store.ticket_types(&operator.id).await?;
        for router in self.store.routers(&operator.id).await? {
            let storefront = self.storefront(&operator.id, &router.id).await?;
            // Packages no longer sold here: their unsold vouchers leave the router.
            for ticket in all_types
                .iter()
                .filter(|t| !storefront.ticket_types.iter().any(|s| s.id == t.id))
            {
                for voucher in self
                    .store
                    .pool_vouchers(&operator.id, &router.id, &ticket.id, 100)
                    .await?
                {
                    self.store
                        .cancel_pool_voucher(&voucher, self.clock.now())
                        .await?;
                }
            }
            for ticket in &storefront.ticket_types {
                added += self.top_up(&router, ticket, length).await?;
            }
        }
        Ok(added)
    }
}

impl<P: Platform> Tiketi<P> {
    /// Tops up a router's pool of one ticket type to `POOL_SIZE`: vouchers made on other terms
    /// (the package was edited) are withdrawn first. How many were added.
    async fn top_up(
        &self,
        router: &Router,
        ticket: &TicketType,
        length: usize,
    ) -> Result<usize, ServiceError> {
        let terms = TicketTerms::from(ticket);
        let pool = self
            .store
            .pool_vouchers(&router.operator_id, &router.id, &ticket.id, POOL_SIZE * 2)
            .await?;
        let mut current = 0;
        for voucher in pool {
            if voucher.terms.same_on_router(&terms) {
                current += 1;
            } else {
                self.store
                    .cancel_pool_voucher(&voucher, self.clock.now())
                    .await?;
            }
        }
        let now = self.clock.now();
        let fresh: Vec<Voucher> = {
            let mut rng = rand::rng();
            (current..POOL_SIZE)
                .map(|_| {
                    let code = VoucherCode::generate(&mut rng, length).to_string();
                    pool_voucher(code, &router.operator_id, &router.id, &terms, now)
                })
                .collect()
        };
        match self.store.create_vouchers(&fresh).await {
            Ok(n) => Ok(n),
            // A code collision: nothing of the chunk was written; the next top-up retries.
            Err(StoreError::ConditionFailed { .. }) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }
}

/// The length of an operator's voucher codes.
fn code_length(operator: &Operator) -> usize {
    if operator.voucher_code_length == 0 {
        DEFAULT_LENGTH
    } else {
        operator.voucher_code_length
    }
}

fn pool_voucher(
    code: String,
    operator_id: &str,
    router_id: &str,
    terms: &TicketTerms,
    now: jiff::Timestamp,
) -> Voucher {
    let origin = Origin::Pool {
        ticket_type_id: terms.ticket_type_id.clone(),
        counted_apart: true,
    };
    Voucher::unused(
        (code.clone(), code),
        operator_id,
        router_id,
        terms.clone(),
        origin,
        now,
    )
}
