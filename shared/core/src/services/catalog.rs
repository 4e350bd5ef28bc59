//! What an owner sets up in the portal: the business settings, routers (sites) and ticket
//! types. Changes to prices (ticket types) are written with their audit entry in one
//! transaction; vouchers already sold keep the terms they were sold with (`TicketTerms`).

use serde_json::json;
use tracing::info;

use super::{
    Platform, ServiceError, Tiketi,
    accounts::{Authenticated, text_field},
};
use crate::{
    domain::{
        audit::AuditEntry,
        catalog::{Allowance, HotspotNetwork, Operator, Router, TicketType},
        ledger::Rate,
        money::Money,
        plan::Limit,
        voucher_code,
    },
    ports::Clock,
    routeros,
};

/// Currencies Pesapal settles that Tiketi shows (all with cents as the minor unit).
pub const CURRENCIES: [&str; 4] = ["KES", "UGX", "TZS", "USD"];

/// The business settings form.
#[derive(Debug, Clone)]
pub struct SettingsChange {
    pub business_name: String,
    pub currency: String,
    pub time_zone: String,
    pub voucher_code_length: usize,
    /// Percent, e.g. `3.5`.
    pub gateway_fee: String,
    /// Agents' default commission, percent.
    pub agent_commission: String,
}

/// A router as the owner enters it.
#[derive(Debug, Clone)]
pub struct RouterDraft {
    pub name: String,
    pub hotspot_dns: String,
    pub location: String,
    pub network: HotspotNetwork,
}

/// A ticket type as the owner enters it.
#[derive(Debug, Clone)]
pub struct TicketTypeDraft {
    pub name: String,
    pub allowance: Allowance,
    pub price: Money,
    pub validity_seconds: u64,
    pub rate_limit: Option<String>,
    pub shared_users: u32,
    pub router_ids: Vec<String>,
    pub on_checkout: bool,
    pub sort_order: u32,
    /// Data tickets: the rate limit once the quota is used (fair usage); `None` cuts off.
    pub fair_usage: Option<String>,
}

const MAX_VALIDITY_SECONDS: u64 = 366 * 86_400;

fn invalid(text: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(text.into())
}

pub(crate) fn new_id() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

impl<P: Platform> Tiketi<P> {
    /// An audit entry by the logged-in user, at the clock's now.
    pub(crate) fn audit_entry(
        &self,
        who: &Authenticated,
        action: &str,
        subject: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> AuditEntry {
        let actor = who.actor();
        AuditEntry {
            id: new_id(),
            operator_id: who.operator.id.clone(),
            at: self.clock.now(),
            actor_id: actor.user_id,
            actor_name: actor.name,
            action: action.into(),
            subject: subject.into(),
            before,
            after,
            note: None,
        }
    }

    pub async fn update_settings(
        &self,
        who: &Authenticated,
        change: &SettingsChange,
    ) -> Result<Operator, ServiceError> {
        let mut operator = who.operator.clone();
        operator.business_name = text_field(&change.business_name, "Business name", 80)?;
        if !CURRENCIES.contains(&change.currency.as_str()) {
            return Err(invalid(format!(
                "the currency is one of {}",
                CURRENCIES.join(", ")
            )));
        }
        if change.currency != operator.currency {
            // Vouchers carry prices and sales carry amounts in the currency they were made in;
            // relabelling them (KES 2,050 shown as USD 2,050) would misstate every figure.
            // Unsold pool vouchers do not count: they hold no money and are topped up again.
            let made: i64 = self
                .store
                .voucher_counts(&operator.id)
                .await?
                .iter()
                .filter(|(counted, _)| counted.as_str() != crate::store::POOL_COUNT)
                .map(|(_, n)| n)
                .sum();
            if made > 0 {
                return Err(invalid(format!(
                    "the currency cannot change once vouchers exist: their prices and your sales \
                     are in {}",
                    operator.currency
                )));
            }
            operator.currency = change.currency.clone();
        }
        if jiff::tz::TimeZone::get(&change.time_zone).is_err() {
            return Err(invalid("unknown time zone: use a name like Africa/Nairobi"));
        }
        operator.time_zone = change.time_zone.clone();
        if !(voucher_code::MIN_LENGTH..=16).contains(&change.voucher_code_length) {
            return Err(invalid(format!(
                "voucher codes have {} to 16 characters",
                voucher_code::MIN_LENGTH
            )));
        }
        operator.voucher_code_length = change.voucher_code_length;
        let rate = |text: &str, what: &str| {
            Rate::parse_percent(text).map_err(|e| invalid(format!("{what}: {e}")))
        };
        operator.gateway_fee = rate(&change.gateway_fee, "Gateway fee")?;
        operator.agent_commission = rate(&change.agent_commission, "Agents' commission")?;
        // Currency, fees and commissions decide what money means and who gets which: their
        // changes are audited.
        let rates = |o: &Operator| json!({"currency": o.currency, "gateway_fee": o.gateway_fee, "agent_commission": o.agent_commission});
        let entry = self.audit_entry(
            who,
            "settings.update",
            &operator.id,
            Some(rates(&who.operator)),
            Some(rates(&operator)),
        );
        self.store
            .update_operator_audited(&operator, &who.operator.business_name, &entry)
            .await?;
        info!(operator_id = %operator.id, "settings changed");
        Ok(operator)
    }

    /// Creates (`id` = `None`) or changes a router of the session's operator.
    pub async fn save_router(
        &self,
        who: &Authenticated,
        id: Option<&str>,
        draft: &RouterDraft,
    ) -> Result<Router, ServiceError> {
        let op = &who.operator.id;
        let name = text_field(&draft.name, "Name", 60)?;
        let location = if draft.location.trim().is_empty() {
            String::new()
        } else {
            text_field(&draft.location, "Location", 120)?
        };
        let dns = draft.hotspot_dns.trim().to_ascii_lowercase();
        let network = HotspotNetwork {
            interface: text_field(&draft.network.interface, "Interface", 40)?,
            address: draft.network.address.trim().to_owned(),
            pool: draft.network.pool.trim().to_owned(),
        };
        routeros::validate_hotspot(&network.interface, &network.address, &network.pool, &dns)
            .map_err(|e| invalid(e.to_string()))?;
        match id {
            Some(id) => {
                let mut router = self
                    .store
                    .router(op, id)
                    .await?
                    .ok_or(ServiceError::NotFound("router"))?;
                router.name = name;
                router.location = location;
                router.hotspot_dns = dns;
                router.hotspot = network;
                self.store.update_router_details(&router).await?;
                Ok(router)
            }
            None => {
                self.require_room(&who.operator, Limit::Routers, 1).await?;
                let router = Router {
                    id: new_id(),
                    operator_id: op.clone(),
                    name,
                    hotspot_dns: dns,
                    location,
                    secret_digest: None,
                    hotspot: network,
                };
                self.store.put_router(&router).await?;
                Ok(router)
            }
        }
    }

    /// Creates (`id` = `None`) or changes a ticket type. A change of what it sells is audited;
    /// vouchers sold earlier keep their terms.
    pub async fn save_ticket_type(
        &self,
        who: &Authenticated,
        id: Option<&str>,
        draft: &TicketTypeDraft,
    ) -> Result<TicketType, ServiceError> {
        let op = &who.operator.id;
        // Another operator's id is not found, whatever the form says.
        let before = match id {
            Some(id) => Some(
                self.store
                    .ticket_type(op, id)
                    .await?
                    .ok_or(ServiceError::NotFound("ticket type"))?,
            ),
            None => None,
        };
        let name = text_field(&draft.name, "Name", 60)?;
        match draft.allowance {
            Allowance::Time { seconds } if seconds < 60 => {
                return Err(invalid("a time ticket gives at least 1 minute"));
            }
            Allowance::Data { bytes } if bytes < 1_000_000 => {
                return Err(invalid("a data ticket gives at least 1 MB"));
            }
            _ => {}
        }
        if draft.price.minor() <= 0 {
            return Err(invalid("the price is more than 0"));
        }
        if !(60..=MAX_VALIDITY_SECONDS).contains(&draft.validity_seconds) {
            return Err(invalid("the validity is between 1 minute and 366 days"));
        }
        if let Allowance::Time { seconds } = draft.allowance
            && draft.validity_seconds < seconds
        {
            return Err(invalid(
                "the validity cannot be shorter than the time the ticket gives",
            ));
        }
        let rate_limit = draft
            .rate_limit
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(limit) = rate_limit
            && !routeros::is_valid_rate_limit(limit)
        {
            return Err(invalid(
                "the speed limit reads like 2M/5M (upload/download), in k or M",
            ));
        }
        let fair_usage = draft
            .fair_usage
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(limit) = fair_usage {
            if !matches!(draft.allowance, Allowance::Data { .. }) {
                return Err(invalid(
                    "fair usage is for data tickets: a time ticket ends when its time is used",
                ));
            }
            if !routeros::is_valid_rate_limit(limit) {
                return Err(invalid(
                    "the fair-usage speed reads like 256k/512k (upload/download), in k or M",
                ));
            }
        }
        if !(1..=100).contains(&draft.shared_users) {
            return Err(invalid("devices at once is 1 to 100"));
        }
        let routers = self.store.routers(op).await?;
        if let Some(unknown) = draft
            .router_ids
            .iter()
            .find(|r| !routers.iter().any(|x| &x.id == *r))
        {
            return Err(invalid(format!("unknown router {unknown}")));
        }
        let ticket = TicketType {
            id: before.as_ref().map_or_else(new_id, |t| t.id.clone()),
            operator_id: op.clone(),
            name,
            allowance: draft.allowance,
            price: draft.price,
            validity_seconds: draft.validity_seconds,
            rate_limit: rate_limit.map(str::to_owned),
            shared_users: draft.shared_users,
            router_ids: draft.router_ids.clone(),
            on_checkout: draft.on_checkout,
            archived: before.as_ref().is_some_and(|t| t.archived),
            sort_order: draft.sort_order,
            fair_usage: fair_usage.map(str::to_owned),
        };
        let action = if before.is_some() {
            "ticket_type.update"
        } else {
            "ticket_type.create"
        };
        let entry = self.audit_entry(
            who,
            action,
            &ticket.id,
            before.map(|t| json!(t)),
            Some(json!(ticket)),
        );
        self.store.put_ticket_type_audited(&ticket, &entry).await?;
        Ok(ticket)
    }

    /// Archives (or restores) a ticket type: archived ones are not sold and not offered for
    /// new batches; vouchers already made keep working.
    pub async fn set_ticket_type_archived(
        &self,
        who: &Authenticated,
        id: &str,
        archived: bool,
    ) -> Result<TicketType, ServiceError> {
        let op = &who.operator.id;
        let before = self
            .store
            .ticket_type(op, id)
            .await?
            .ok_or(ServiceError::NotFound("ticket type"))?;
        let mut ticket = before.clone();
        ticket.archived = archived;
        let action = if archived {
            "ticket_type.archive"
        } else {
            "ticket_type.restore"
        };
        let entry = self.audit_entry(who, action, id, Some(json!(before)), Some(json!(ticket)));
        self.store.put_ticket_type_audited(&ticket, &entry).await?;
        Ok(ticket)
    }
}
