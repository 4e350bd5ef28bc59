//! Cash sales of printed vouchers: the agent (or the owner) types the code of the voucher they
//! sold, and the sale joins the ledger like an online one, so revenue includes offline sales.
//!
//! Exactly once: the voucher is marked sold in the same transaction as the sale, the counters,
//! the seller's balance and the audit entry, on condition that it was not sold before; a second
//! recording of the same code (a double tap, two agents) is refused with what happened first.

use serde_json::json;
use tracing::info;

use super::{Platform, ServiceError, Tiketi, accounts::Authenticated, issuance::business_day};
use crate::{
    domain::{
        account::Role,
        ledger::Channel,
        money::Money,
        phone::Msisdn,
        voucher::{Origin, Sale, VoucherStatus},
    },
    ports::Clock,
    store::StoreError,
};

impl<P: Platform> Tiketi<P> {
    /// Records that `who` sold the printed voucher `code` for its price, in cash.
    pub async fn record_cash_sale(
        &self,
        who: &Authenticated,
        code: &str,
        phone: &str,
    ) -> Result<Sale, ServiceError> {
        let op = &who.operator.id;
        let code = code.trim().to_ascii_uppercase();
        let not_yours = || ServiceError::Invalid(format!("no voucher {code} in your stock"));
        let phone = match phone.trim() {
            "" => None,
            phone => Some(
                Msisdn::parse(phone)
                    .map_err(|e| ServiceError::Invalid(e.to_string()))?
                    .as_str()
                    .to_owned(),
            ),
        };
        if code.is_empty() || code.len() > 32 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(not_yours());
        }
        let voucher = self
            .store
            .voucher(op, &code)
            .await?
            .filter(|v| who.user.covers_router(&v.router_id))
            .ok_or_else(not_yours)?;
        let Origin::Batch { batch_id } = &voucher.origin else {
            return Err(ServiceError::Invalid(format!(
                "{code} was not printed for cash sale (it belongs to the online checkout)"
            )));
        };
        let batch = self
            .store
            .batch(op, batch_id)
            .await?
            .ok_or_else(not_yours)?;
        // An agent sells the stock handed to them; the owner sells any.
        let holds = batch
            .agent
            .as_ref()
            .is_some_and(|a| a.user_id == who.user.id);
        if who.user.role == Role::Agent && !holds {
            return Err(not_yours());
        }
        if let Some(sold_at) = voucher.sold_at {
            let by = voucher.sold_by.map(|a| a.name).unwrap_or_default();
            let zone =
                jiff::tz::TimeZone::get(&who.operator.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
            let when = sold_at.to_zoned_datetime(zone).strftime("%Y-%m-%d %H:%M");
            return Err(ServiceError::Conflict(format!(
                "{code} was already sold by {by} ({when})"
            )));
        }
        // Past its use-by date it no longer works (or soon will not, at the next sweep).
        if voucher
            .terms
            .use_by
            .is_some_and(|end| end <= self.clock.now())
        {
            return Err(ServiceError::Conflict(format!(
                "{code} is past its use-by date and cannot be sold"
            )));
        }
        if voucher.status == VoucherStatus::Cancelled {
            return Err(ServiceError::Conflict(format!(
                "{code} was cancelled and cannot be sold"
            )));
        }
        let amount = voucher.terms.price;
        let commission = match who.user.role {
            Role::Agent => who
                .user
                .commission
                .unwrap_or(who.operator.agent_commission)
                .of(amount),
            Role::Owner => Money(0),
        };
        let now = self.clock.now();
        let sale = Sale {
            operator_id: op.clone(),
            order_id: format!("cash-{code}"),
            voucher_code: code.clone(),
            router_id: voucher.router_id.clone(),
            ticket_type_id: voucher.terms.ticket_type_id.clone(),
            ticket_name: voucher.terms.name.clone(),
            amount,
            currency: who.operator.currency.clone(),
            channel: Channel::Cash,
            fee: Money(0),
            commission,
            seller: Some(who.actor()),
            phone,
            payment_method: Some("cash".into()),
            confirmation_code: None,
            sold_at: now,
        };
        let day = business_day(now, &who.operator.time_zone);
        let entry = self.audit_entry(who, "voucher.cash_sale", &code, None, Some(json!(sale)));
        match self
            .store
            .record_cash_sale(&voucher, &batch.id, &sale, &day, &entry)
            .await
        {
            Ok(()) => {}
            // Sold (or cancelled) between the read and the write.
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::Conflict(format!(
                    "{code} was sold or cancelled meanwhile"
                )));
            }
            Err(e) => return Err(e.into()),
        }
        info!(operator_id = %op, voucher = %code, seller = %who.user.id, "cash sale recorded");
        Ok(sale)
    }
}
