//! The demo hotspot that a fresh local install starts with.

use serde::Serialize;

use super::{Platform, ServiceError, Tiketi};
use crate::{
    domain::{
        catalog::{Allowance, DEFAULT_GATEWAY_FEE, Operator, Router, TicketType},
        ledger::Rate,
        money::Money,
        voucher_code::DEFAULT_LENGTH,
    },
    ports::Clock,
    store::StoreError,
};

pub const DEMO_OPERATOR_ID: &str = "demo";
pub const DEMO_ROUTER_ID: &str = "demo-router";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DemoIds {
    pub operator_id: String,
    pub router_id: String,
    pub ticket_type_ids: Vec<String>,
}

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;
const GB: u64 = 1_000_000_000;

/// (id, name, allowance, price in KES, validity after first login)
const DEMO_TICKETS: [(&str, &str, Allowance, i64, u64); 8] = [
    (
        "1h",
        "1 Hour WiFi",
        Allowance::Time { seconds: HOUR },
        50,
        DAY,
    ),
    (
        "2h",
        "2 Hours",
        Allowance::Time { seconds: 2 * HOUR },
        80,
        DAY,
    ),
    ("1d", "1 Day", Allowance::Time { seconds: DAY }, 200, DAY),
    ("1gb", "1 GB", Allowance::Data { bytes: GB }, 100, 7 * DAY),
    (
        "5gb",
        "5 GB",
        Allowance::Data { bytes: 5 * GB },
        400,
        30 * DAY,
    ),
    (
        "10gb",
        "10 GB",
        Allowance::Data { bytes: 10 * GB },
        700,
        30 * DAY,
    ),
    (
        "week",
        "Weekly Pass",
        Allowance::Time { seconds: 7 * DAY },
        1_000,
        7 * DAY,
    ),
    (
        "month",
        "Monthly Pass",
        Allowance::Time { seconds: 30 * DAY },
        3_000,
        30 * DAY,
    ),
];

/// The demo packages (1 Hour WiFi KES 50 … Monthly Pass KES 3,000) for an operator.
pub fn demo_ticket_types(operator_id: &str) -> Vec<TicketType> {
    DEMO_TICKETS
        .into_iter()
        .enumerate()
        .map(
            |(order, (id, name, allowance, price, validity))| TicketType {
                id: id.into(),
                operator_id: operator_id.to_owned(),
                name: name.into(),
                allowance,
                price: Money::from_major(price),
                validity_seconds: validity,
                rate_limit: Some("5M/5M".into()),
                shared_users: 1,
                router_ids: Vec::new(),
                on_checkout: true,
                archived: false,
                sort_order: u32::try_from(order).unwrap_or(u32::MAX),
                // The biggest bundle shows fair usage: slow, not cut off, once used up.
                fair_usage: (id == "10gb").then(|| "512k/1M".into()),
            },
        )
        .collect()
}

impl<P: Platform> Tiketi<P> {
    /// Creates the demo operator, router and ticket types (in one transaction) unless they
    /// exist. Idempotent.
    pub async fn ensure_demo(&self) -> Result<DemoIds, ServiceError> {
        let operator = Operator {
            id: DEMO_OPERATOR_ID.into(),
            business_name: "Demo Hotspot".into(),
            currency: "KES".into(),
            time_zone: "Africa/Nairobi".into(),
            country_code: "KE".into(),
            voucher_code_length: DEFAULT_LENGTH,
            created_at: self.clock.now(),
            gateway_fee: DEFAULT_GATEWAY_FEE,
            agent_commission: Rate::default(),
        };
        let router = Router {
            id: DEMO_ROUTER_ID.into(),
            operator_id: operator.id.clone(),
            name: "Demo Router".into(),
            hotspot_dns: "login.wifi".into(),
            location: "Nairobi".into(),
            secret_digest: None,
            hotspot: Default::default(),
        };
        let tickets = demo_ticket_types(&operator.id);
        match self
            .store
            .create_operator_with(&operator, &[router], &tickets)
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed { index: 0 }) => {}
            Err(e) => return Err(e.into()),
        }
        self.demo_ids().await
    }

    pub async fn demo_ids(&self) -> Result<DemoIds, ServiceError> {
        let tickets = self.store.ticket_types(DEMO_OPERATOR_ID).await?;
        Ok(DemoIds {
            operator_id: DEMO_OPERATOR_ID.into(),
            router_id: DEMO_ROUTER_ID.into(),
            ticket_type_ids: tickets.into_iter().map(|t| t.id).collect(),
        })
    }
}
