//! Operators (tenants), their routers (sites) and the ticket types they sell.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{ledger::Rate, money::Money};

/// A hotspot business: the tenant every key carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub id: String,
    pub business_name: String,
    /// ISO 4217; prices are in its minor units.
    pub currency: String,
    /// IANA zone name, for showing times; everything is stored in UTC.
    pub time_zone: String,
    /// ISO 3166-1 alpha-2, for the payer's billing address.
    pub country_code: String,
    /// Length of the voucher codes sold online.
    pub voucher_code_length: usize,
    pub created_at: Timestamp,
    /// What Pesapal keeps of an online sale (the rate of the operator's agreement), recorded
    /// with each sale so reports show revenue net of fees.
    #[serde(default)]
    pub gateway_fee: Rate,
    /// Agents' commission on their cash sales, unless an agent has their own rate.
    #[serde(default)]
    pub agent_commission: Rate,
}

/// New operators' gateway fee (3.5 %, a usual rate for local mobile money); each operator sets
/// the rate of their own Pesapal agreement in the settings.
pub const DEFAULT_GATEWAY_FEE: Rate = Rate(350);

/// A MikroTik router (one hotspot site) of an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Router {
    pub id: String,
    pub operator_id: String,
    pub name: String,
    /// The hotspot's DNS name (e.g. `login.wifi`).
    pub hotspot_dns: String,
    pub location: String,
    /// HMAC digest of the router's secret (`domain::router_secret`); `None` until one is issued.
    #[serde(default)]
    pub secret_digest: Option<String>,
    /// Where the router runs its hotspot: setup script parameters.
    #[serde(default)]
    pub hotspot: HotspotNetwork,
}

/// The hotspot network of a router, as its setup script configures it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotspotNetwork {
    /// The interface (on a bridge, the bridge), e.g. `bridge`.
    pub interface: String,
    /// The router's address on it, e.g. `192.168.88.1`.
    pub address: String,
    /// The clients' address range, e.g. `192.168.88.10-192.168.88.254`.
    pub pool: String,
}

impl Default for HotspotNetwork {
    /// RouterOS's default configuration: the `bridge` on 192.168.88.0/24.
    fn default() -> Self {
        Self {
            interface: "bridge".into(),
            address: "192.168.88.1".into(),
            pool: "192.168.88.10-192.168.88.254".into(),
        }
    }
}

/// What a ticket buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Allowance {
    /// Online time, counted from first login.
    Time { seconds: u64 },
    /// A data quota (upload + download).
    Data { bytes: u64 },
}

impl Allowance {
    /// English text of the allowance: `1 hour`, `2 hours`, `1 day`, `7 days`, `5 GB`.
    pub fn describe(self) -> String {
        match self {
            Self::Time { seconds } => describe_duration(seconds),
            Self::Data { bytes } => describe_bytes(bytes),
        }
    }
}

/// `1 hour`, `90 minutes`, `2 days`.
pub fn describe_duration(seconds: u64) -> String {
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if seconds.is_multiple_of(86_400) {
        plural(seconds / 86_400, "day")
    } else if seconds.is_multiple_of(3_600) {
        plural(seconds / 3_600, "hour")
    } else {
        plural(seconds.div_ceil(60), "minute")
    }
}

/// `1 GB`, `500 MB` (decimal units, as operators sell them).
pub fn describe_bytes(bytes: u64) -> String {
    const GB: u64 = 1_000_000_000;
    const MB: u64 = 1_000_000;
    if bytes.is_multiple_of(GB) {
        format!("{} GB", bytes / GB)
    } else {
        format!("{} MB", bytes.div_ceil(MB))
    }
}

/// An amount of data used, rounded down to one decimal (`0 bytes`, `730 bytes`, `12.3 MB`,
/// `1.2 GB`): never more than was used, unlike a package size.
pub fn describe_data_used(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB")];
    for (size, unit) in UNITS {
        if bytes >= size {
            let tenths = bytes / (size / 10);
            return format!("{}.{} {unit}", tenths / 10, tenths % 10);
        }
    }
    format!("{bytes} bytes")
}

/// A length of time used, rounded down (`45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`).
pub fn describe_time_used(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m:02} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// A package an operator sells (e.g. "1 Hour WiFi, KES 50").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketType {
    pub id: String,
    pub operator_id: String,
    pub name: String,
    pub allowance: Allowance,
    pub price: Money,
    /// How long a voucher stays usable after first login (for data tickets: e.g. 30 days).
    pub validity_seconds: u64,
    /// MikroTik rate limit `rx/tx` as the router writes it (e.g. `2M/5M`), if any.
    pub rate_limit: Option<String>,
    /// Devices that may use one voucher at once.
    pub shared_users: u32,
    /// Routers that sell it; empty means all of the operator's routers.
    pub router_ids: Vec<String>,
    /// Shown on the captive-portal checkout.
    pub on_checkout: bool,
    pub archived: bool,
    /// Display order on the checkout.
    pub sort_order: u32,
    /// Fair usage (data tickets): once the quota is used, the voucher keeps working at this
    /// rate limit (`256k/512k`) until its validity ends, instead of being cut off.
    #[serde(default)]
    pub fair_usage: Option<String>,
}

impl TicketType {
    /// Whether a customer on `router_id`'s checkout may buy it.
    pub fn sold_at(&self, router_id: &str) -> bool {
        self.on_checkout && self.offered_at(router_id)
    }

    /// Whether it is sold at `router_id` at all (at the checkout or printed): not archived,
    /// and `router_id` is among its routers (none named means every router).
    pub fn offered_at(&self, router_id: &str) -> bool {
        !self.archived
            && (self.router_ids.is_empty() || self.router_ids.iter().any(|r| r == router_id))
    }
}

/// What a sold voucher buys, frozen at the time of sale: later edits of the ticket type never
/// change vouchers already sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTerms {
    pub ticket_type_id: String,
    pub name: String,
    pub allowance: Allowance,
    pub price: Money,
    pub validity_seconds: u64,
    pub rate_limit: Option<String>,
    pub shared_users: u32,
    /// The rate limit after a data quota is used (fair usage), if any.
    #[serde(default)]
    pub fair_usage: Option<String>,
    /// An absolute end (printed stock's "use by"): the voucher stops working then, used or
    /// not, even inside its validity window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_by: Option<Timestamp>,
}

impl TicketTerms {
    /// Whether a used-up quota slows the voucher down instead of ending it: data terms with a
    /// fair-usage speed (checked when the ticket type is saved).
    pub fn has_fair_usage(&self) -> bool {
        matches!(self.allowance, Allowance::Data { .. })
            && self
                .fair_usage
                .as_deref()
                .is_some_and(|speed| !speed.trim().is_empty())
    }

    /// Whether a router user made for `other` enforces exactly these terms (so a pool voucher
    /// loaded earlier can be sold under them).
    pub fn same_on_router(&self, other: &Self) -> bool {
        (
            self.ticket_type_id.as_str(),
            self.allowance,
            self.validity_seconds,
            &self.rate_limit,
            self.shared_users,
            &self.fair_usage,
        ) == (
            other.ticket_type_id.as_str(),
            other.allowance,
            other.validity_seconds,
            &other.rate_limit,
            other.shared_users,
            &other.fair_usage,
        )
    }
}

impl From<&TicketType> for TicketTerms {
    fn from(t: &TicketType) -> Self {
        Self {
            ticket_type_id: t.id.clone(),
            name: t.name.clone(),
            allowance: t.allowance,
            price: t.price,
            validity_seconds: t.validity_seconds,
            rate_limit: t.rate_limit.clone(),
            shared_users: t.shared_users,
            fair_usage: t.fair_usage.clone(),
            use_by: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_used_are_rounded_down() {
        assert_eq!(describe_data_used(0), "0 bytes");
        assert_eq!(describe_data_used(30), "30 bytes");
        assert_eq!(describe_data_used(1_999), "1.9 kB");
        assert_eq!(describe_data_used(12_345_678), "12.3 MB");
        assert_eq!(describe_data_used(1_000_000_001), "1.0 GB");
        assert_eq!(describe_data_used(999_999_999), "999.9 MB");
        assert_eq!(describe_time_used(45), "45 s");
        assert_eq!(describe_time_used(61), "1 min");
        assert_eq!(describe_time_used(3 * 3_600 + 5 * 60 + 59), "3 h 05 min");
        assert_eq!(describe_time_used(2 * 86_400 + 4 * 3_600 + 120), "2 d 4 h");
    }

    #[test]
    fn allowances_read_naturally() {
        assert_eq!(Allowance::Time { seconds: 3600 }.describe(), "1 hour");
        assert_eq!(Allowance::Time { seconds: 7200 }.describe(), "2 hours");
        assert_eq!(
            Allowance::Time {
                seconds: 86_400 * 7
            }
            .describe(),
            "7 days"
        );
        assert_eq!(Allowance::Time { seconds: 5400 }.describe(), "90 minutes");
        assert_eq!(
            Allowance::Data {
                bytes: 5_000_000_000
            }
            .describe(),
            "5 GB"
        );
        assert_eq!(Allowance::Data { bytes: 500_000_000 }.describe(), "500 MB");
    }

    #[test]
    fn a_ticket_type_is_sold_where_its_routers_and_checkout_flag_say() {
        let mut ticket = TicketType {
            id: "t".into(),
            operator_id: "op".into(),
            name: "1 Hour".into(),
            allowance: Allowance::Time { seconds: 3600 },
            price: Money(5000),
            validity_seconds: 3600,
            rate_limit: None,
            shared_users: 1,
            router_ids: Vec::new(),
            on_checkout: true,
            archived: false,
            sort_order: 0,
            fair_usage: None,
        };
        assert!(
            ticket.sold_at("r1") && ticket.sold_at("r2"),
            "no routers named: all"
        );
        ticket.router_ids = vec!["r1".into()];
        assert!(ticket.sold_at("r1") && !ticket.sold_at("r2"));
        assert!(!ticket.offered_at("r2"));
        ticket.on_checkout = false;
        assert!(!ticket.sold_at("r1"), "printed only");
        assert!(
            ticket.offered_at("r1"),
            "printed vouchers may still be made"
        );
        ticket.archived = true;
        assert!(!ticket.offered_at("r1"));
    }
}
