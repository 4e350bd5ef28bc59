//! Issuance: a PAID order becomes exactly one voucher.
//!
//! One transaction moves the order PAID → FULFILLED (on condition that it is PAID and has no
//! voucher yet), creates the voucher under its own code key (on condition that the code is
//! free), writes the sale and adds to the day's and the customer's counters. A redelivered
//! message finds the order FULFILLED and returns the existing voucher; a code collision draws a
//! new code and tries again. So the voucher, the sale and the revenue exist once or not at all.

use crate::domain::audit::AuditEntry;
use serde_json::json;
use tracing::{info, instrument, warn};

use super::{Platform, ServiceError, Tiketi};
use crate::{
    domain::{
        ledger::Channel,
        money::Money,
        order::{Order, OrderStatus},
        voucher::{Origin, Sale, Voucher, VoucherStatus},
        voucher_code::{DEFAULT_LENGTH, VoucherCode},
    },
    ports::Clock,
    store::StoreError,
};

/// What issuance did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issued {
    /// This call created the voucher.
    Created(Voucher),
    /// The order already had its voucher (a redelivery or a concurrent issuer).
    Existing(Voucher),
    /// The order is not paid: nothing to issue.
    NotPaid(OrderStatus),
}

const MAX_CODE_DRAWS: usize = 8;

impl<P: Platform> Tiketi<P> {
    #[instrument(skip_all, fields(operator_id, order_id))]
    pub async fn issue_voucher(
        &self,
        operator_id: &str,
        order_id: &str,
    ) -> Result<Issued, ServiceError> {
        let operator = self
            .store
            .operator(operator_id)
            .await?
            .ok_or(ServiceError::NotFound("operator"))?;
        let mut order = self.load_order(operator_id, order_id).await?;
        // Pool vouchers another issuer claimed first: not tried again in this issuance.
        let mut lost_claims: Vec<String> = Vec::new();
        for _ in 0..MAX_CODE_DRAWS {
            match order.status {
                OrderStatus::Paid => {}
                OrderStatus::Fulfilled => return self.existing_voucher(&order).await,
                other => return Ok(Issued::NotPaid(other)),
            }
            let now = self.clock.now();
            let length = if operator.voucher_code_length == 0 {
                DEFAULT_LENGTH
            } else {
                operator.voucher_code_length
            };
            // A pool voucher is already on the router: the buyer can log in at once.
            let pooled = self.claimable_pool_voucher(&order, &lost_claims).await?;
            let claimed = pooled.as_ref().map(crate::store::counted_as);
            let voucher = match pooled {
                Some(pooled) => Voucher {
                    terms: order.terms.clone(),
                    origin: Origin::Sale {
                        order_id: order.id.clone(),
                    },
                    phone: Some(order.phone.as_str().to_owned()),
                    ..pooled
                },
                None => {
                    let code = VoucherCode::generate(&mut rand::rng(), length).to_string();
                    let origin = Origin::Sale {
                        order_id: order.id.clone(),
                    };
                    Voucher {
                        phone: Some(order.phone.as_str().to_owned()),
                        ..Voucher::unused(
                            (code.clone(), code),
                            &order.operator_id,
                            &order.router_id,
                            order.terms.clone(),
                            origin,
                            now,
                        )
                    }
                }
            };
            let sale = Sale {
                operator_id: order.operator_id.clone(),
                order_id: order.id.clone(),
                voucher_code: voucher.code.clone(),
                router_id: order.router_id.clone(),
                ticket_type_id: order.terms.ticket_type_id.clone(),
                ticket_name: order.terms.name.clone(),
                amount: order.amount,
                currency: order.currency.clone(),
                channel: Channel::Online,
                fee: operator.gateway_fee.of(order.amount),
                commission: Money(0),
                seller: None,
                phone: Some(order.phone.as_str().to_owned()),
                payment_method: order.payment_method.clone(),
                confirmation_code: order.confirmation_code.clone(),
                sold_at: now,
            };
            let day = business_day(now, &operator.time_zone);
            let entry = AuditEntry::system(
                super::catalog::new_id(),
                &operator.id,
                now,
                "Online sale (Pesapal)",
                "voucher.sell_online",
                &voucher.code,
                json!({"order": order.id, "reference": order.reference, "ticket": sale.ticket_name,
                    "amount_minor": sale.amount.minor(), "currency": sale.currency,
                    "phone": sale.phone, "confirmation_code": sale.confirmation_code,
                    "from_pool": claimed.is_some()}),
            );
            match self
                .store
                .fulfil_order(&order, &voucher, &sale, &day, claimed, &entry)
                .await
            {
                Ok(()) => {
                    info!(voucher = %voucher.code, from_pool = claimed.is_some(), "voucher issued");
                    if claimed.is_some() {
                        // The next buyer of this package here finds the pool full again; a
                        // failure is caught by the scheduled pass's hourly top-up.
                        let refilled = self
                            .refill_pool(operator_id, &order.router_id, &order.terms.ticket_type_id)
                            .await;
                        if let Err(error) = refilled {
                            warn!(%error, "pool top-up after a sale failed");
                        }
                    }
                    return Ok(Issued::Created(voucher));
                }
                Err(StoreError::ConditionFailed { index: 1 }) => {
                    warn!(
                        from_pool = claimed.is_some(),
                        "voucher taken meanwhile (pool claim or code collision); trying again"
                    );
                    if claimed.is_some() {
                        lost_claims.push(voucher.code.clone());
                    }
                }
                Err(StoreError::ConditionFailed { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            order = self.load_order(operator_id, order_id).await?;
        }
        Err(ServiceError::Invalid(
            "could not issue a voucher after several attempts".into(),
        ))
    }

    /// An unclaimed pool voucher of the order's router and ticket type that enforces the terms
    /// the customer paid for, preferring one the router reported holding (so Connect works at
    /// once), and never one in `skip`.
    async fn claimable_pool_voucher(
        &self,
        order: &Order,
        skip: &[String],
    ) -> Result<Option<Voucher>, ServiceError> {
        let candidates = self
            .store
            .pool_vouchers(
                &order.operator_id,
                &order.router_id,
                &order.terms.ticket_type_id,
                10,
            )
            .await?;
        let mut usable: Vec<Voucher> = candidates
            .into_iter()
            .filter(|v| {
                v.status == VoucherStatus::Unused
                    && v.terms.same_on_router(&order.terms)
                    && !skip.contains(&v.code)
            })
            .collect();
        if usable.is_empty() {
            return Ok(None);
        }
        let inventory = self
            .store
            .router_inventory(&order.operator_id, &order.router_id)
            .await?;
        let on_router = |v: &Voucher| {
            inventory
                .as_ref()
                .is_some_and(|i| i.users.contains(&v.code))
        };
        let index = usable.iter().position(on_router).unwrap_or(0);
        Ok(Some(usable.swap_remove(index)))
    }

    async fn load_order(&self, operator_id: &str, order_id: &str) -> Result<Order, ServiceError> {
        self.store
            .order(operator_id, order_id)
            .await?
            .ok_or(ServiceError::NotFound("order"))
    }

    async fn existing_voucher(&self, order: &Order) -> Result<Issued, ServiceError> {
        let code = order
            .voucher_code
            .as_deref()
            .ok_or(ServiceError::NotFound("voucher"))?;
        let voucher = self
            .store
            .voucher(&order.operator_id, code)
            .await?
            .ok_or(ServiceError::NotFound("voucher"))?;
        Ok(Issued::Existing(voucher))
    }
}

/// The calendar day of `at` in the operator's time zone (`2026-11-25`); UTC if the zone is unknown.
pub fn business_day(at: jiff::Timestamp, time_zone: &str) -> String {
    let zone = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned_datetime(zone).date().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_follow_the_operator_zone() {
        let late_evening_utc: jiff::Timestamp = "2026-11-25T22:30:00Z".parse().unwrap();
        assert_eq!(
            business_day(late_evening_utc, "Africa/Nairobi"),
            "2026-11-26"
        );
        assert_eq!(business_day(late_evening_utc, "UTC"), "2026-11-25");
        assert_eq!(business_day(late_evening_utc, "Nowhere/Else"), "2026-11-25");
    }
}
