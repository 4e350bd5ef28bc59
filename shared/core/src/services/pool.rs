//! Pools of unsold vouchers on routers, so an online buyer can log in at once: each router
//! holds `POOL_SIZE` unused vouchers of every ticket type its checkout sells, loaded by the
//! ordinary sync; issuance claims one (see `issuance`), and this pass tops the pools up.
//! Pool vouchers are not sales: they become revenue only when a paid order claims them.

use tracing::{info, warn};

use super::{Platform, ServiceError, Tiketi};
use crate::{
    domain::{
        catalog::{Operator, TicketTerms},
        voucher::{Origin, Voucher},
        voucher_code::{DEFAULT_LENGTH, VoucherCode},
    },
    ports::Clock,
    store::StoreError,
};

/// Unsold vouchers kept on each router per ticket type.
pub const POOL_SIZE: usize = 3;

impl<P: Platform> Tiketi<P> {
    /// Tops up every router's pools; returns how many vouchers were added. Pool vouchers whose
    /// terms no longer match their ticket type (it was edited), or whose ticket type is no
    /// longer sold at the router, are cancelled, so routers drop them.
    pub async fn refill_pools(&self) -> Result<usize, ServiceError> {
        self.refill_pools_until(self.settings.pass_deadline()).await
    }

    /// The scheduled pass's top-up; operators not reached by `deadline` wait for the next pass.
    pub async fn refill_pools_until(
        &self,
        deadline: std::time::Instant,
    ) -> Result<usize, ServiceError> {
        let mut added = 0;
        for operator in self.store.operators().await? {
            if std::time::Instant::now() >= deadline {
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
        Ok(added)
    }

    async fn refill_operator_pools(&self, operator: &Operator) -> Result<usize, ServiceError> {
        let mut added = 0;
        let length = if operator.voucher_code_length == 0 {
            DEFAULT_LENGTH
        } else {
            operator.voucher_code_length
        };
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
                let terms = TicketTerms::from(ticket);
                let pool = self
                    .store
                    .pool_vouchers(&operator.id, &router.id, &ticket.id, POOL_SIZE * 2)
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
                    Ok(n) => added += n,
                    // A code collision: nothing of the chunk was written; the next pass retries.
                    Err(StoreError::ConditionFailed { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(added)
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
