//! Subscription plans: what an operator pays the platform each month and what it may create.
//!
//! The catalogue is the platform administrator's (stored items); until they edit it, the
//! defaults below apply. The landing page, sign-up, Settings → Plan, billing and the limit
//! checks all read the same catalogue, so a price shown is the price billed.

use serde::{Deserialize, Serialize};

use super::money::Money;

/// What a plan limits. Each is checked where the thing is created; what exists keeps working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    Routers,
    Agents,
    /// Vouchers made for customers in a calendar month (online sales, batches, single
    /// vouchers); the unsold pool the platform keeps on routers is not counted.
    VouchersPerMonth,
}

impl Limit {
    pub const ALL: [Self; 3] = [Self::Routers, Self::Agents, Self::VouchersPerMonth];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Routers => "routers",
            Self::Agents => "agents",
            Self::VouchersPerMonth => "vouchers_per_month",
        }
    }

    /// How a person names it: "routers", "vouchers a month".
    pub fn label(self) -> &'static str {
        match self {
            Self::Routers => "routers",
            Self::Agents => "agents",
            Self::VouchersPerMonth => "vouchers a month",
        }
    }
}

/// What a plan includes beyond its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Branding,
    ApiTokens,
    Sms,
}

impl Feature {
    pub const ALL: [Self; 3] = [Self::Branding, Self::ApiTokens, Self::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Branding => "branding",
            Self::ApiTokens => "api_tokens",
            Self::Sms => "sms",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Branding => "custom branding",
            Self::ApiTokens => "API tokens",
            Self::Sms => "SMS delivery",
        }
    }
}

/// The largest number a limit can be set to (more is "no limit").
pub const MAX_LIMIT: u32 = 10_000_000;
/// The smallest monthly price: every invoice is payable through Pesapal.
pub const MIN_PRICE: Money = Money(100);
/// The largest monthly price a plan can have: KES 10,000,000.
pub const MAX_PRICE: Money = Money(1_000_000_000);

/// One plan of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// `basic`, `professional`, `enterprise`: what the sign-up form sends.
    pub code: String,
    pub name: String,
    /// The monthly price in minor units of `currency`.
    pub price: Money,
    pub currency: String,
    /// `None`: no limit.
    pub routers: Option<u32>,
    pub agents: Option<u32>,
    pub vouchers_per_month: Option<u32>,
    pub features: Vec<Feature>,
    /// Retired plans are not offered to new operators; those on them keep them.
    pub on_sale: bool,
    /// Position on the pricing table.
    pub rank: u32,
}

/// A creation the plan does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitReached {
    pub plan: String,
    pub limit: Limit,
    pub allowed: u32,
    pub used: u64,
}

impl std::error::Error for LimitReached {}

impl std::fmt::Display for LimitReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (one, many) = match self.limit {
            Limit::Routers => ("router", "routers"),
            Limit::Agents => ("agent", "agents"),
            Limit::VouchersPerMonth => ("voucher a month", "vouchers a month"),
        };
        let what = if self.allowed == 1 { one } else { many };
        write!(f, "Your {} plan allows {} {what}", self.plan, self.allowed)?;
        if self.limit == Limit::VouchersPerMonth {
            write!(f, " ({} made this month)", self.used)?;
        }
        write!(f, ". To add more, choose a bigger plan in Settings → Plan.")
    }
}

impl Plan {
    pub fn limit(&self, limit: Limit) -> Option<u32> {
        match limit {
            Limit::Routers => self.routers,
            Limit::Agents => self.agents,
            Limit::VouchersPerMonth => self.vouchers_per_month,
        }
    }

    pub fn includes(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }

    /// Whether `adding` more fit beside the `used` ones.
    pub fn check(&self, limit: Limit, used: u64, adding: u64) -> Result<(), LimitReached> {
        match self.limit(limit) {
            Some(allowed) if used.saturating_add(adding) > u64::from(allowed) => {
                Err(LimitReached {
                    plan: self.name.clone(),
                    limit,
                    allowed,
                    used,
                })
            }
            _ => Ok(()),
        }
    }

    /// Checks what the administrator entered.
    pub fn validate(&self) -> Result<(), String> {
        if !valid_code(&self.code) {
            return Err("a plan's code is 1 to 32 lower-case letters, digits or dashes".into());
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
            return Err("a plan's name is one line of 1 to 40 characters".into());
        }
        if self.price < MIN_PRICE || self.price > MAX_PRICE {
            return Err(format!(
                "a plan costs between {} and {} a month (Pesapal takes no payment of nothing)",
                MIN_PRICE.display("KES"),
                MAX_PRICE.display("KES")
            ));
        }
        if Limit::ALL
            .iter()
            .any(|l| self.limit(*l).is_some_and(|n| n > MAX_LIMIT))
        {
            return Err(format!(
                "a limit is at most {MAX_LIMIT}; leave it empty for no limit"
            ));
        }
        Ok(())
    }
}

/// Plan codes are slugs (they appear in forms and URLs).
pub fn valid_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The catalogue the platform starts with.
pub fn default_plans() -> Vec<Plan> {
    let all_features = Feature::ALL.to_vec();
    vec![
        Plan {
            code: "basic".into(),
            name: "Basic".into(),
            price: Money::from_major(500),
            currency: "KES".into(),
            routers: Some(1),
            agents: Some(1),
            vouchers_per_month: Some(2_000),
            features: Vec::new(),
            on_sale: true,
            rank: 1,
        },
        Plan {
            code: "professional".into(),
            name: "Professional".into(),
            price: Money::from_major(1_500),
            currency: "KES".into(),
            routers: Some(5),
            agents: Some(10),
            vouchers_per_month: Some(20_000),
            features: all_features.clone(),
            on_sale: true,
            rank: 2,
        },
        Plan {
            code: "enterprise".into(),
            name: "Enterprise".into(),
            price: Money::from_major(5_000),
            currency: "KES".into(),
            routers: None,
            agents: None,
            vouchers_per_month: None,
            features: all_features,
            on_sale: true,
            rank: 3,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic() -> Plan {
        default_plans().remove(0)
    }

    #[test]
    fn defaults_are_the_published_plans() {
        let plans = default_plans();
        let summary: Vec<_> = plans
            .iter()
            .map(|p| (p.code.as_str(), p.price.minor(), p.routers, p.agents))
            .collect();
        assert_eq!(
            summary,
            [
                ("basic", 50_000, Some(1), Some(1)),
                ("professional", 150_000, Some(5), Some(10)),
                ("enterprise", 500_000, None, None),
            ]
        );
        assert!(plans.iter().all(|p| p.validate().is_ok()));
        assert!(!plans[0].includes(Feature::ApiTokens));
        assert!(plans[1].includes(Feature::Branding) && plans[2].includes(Feature::Sms));
    }

    #[test]
    fn a_limit_refuses_only_what_goes_beyond_it() {
        let plan = basic();
        assert!(plan.check(Limit::Routers, 0, 1).is_ok());
        let refused = plan.check(Limit::Routers, 1, 1).unwrap_err();
        assert_eq!(refused.allowed, 1);
        let text = refused.to_string();
        assert!(text.contains("Basic plan allows 1 router."), "{text}");
        assert!(text.contains("Settings → Plan"), "{text}");
        assert!(plan.check(Limit::VouchersPerMonth, 1_990, 10).is_ok());
        assert!(plan.check(Limit::VouchersPerMonth, 1_990, 11).is_err());
        // A downgrade leaves more than allowed: nothing more, but nothing breaks.
        assert!(plan.check(Limit::Routers, 3, 1).is_err());
        assert!(plan.check(Limit::Routers, u64::MAX, u64::MAX).is_err());
        let enterprise = default_plans().remove(2);
        assert!(
            enterprise
                .check(Limit::VouchersPerMonth, 10_000_000, 10_000)
                .is_ok()
        );
    }

    #[test]
    fn absurd_catalogue_entries_are_refused() {
        let mut plan = basic();
        plan.price = Money(-1);
        assert!(plan.validate().is_err());
        plan.price = Money(0);
        assert!(plan.validate().is_err());
        plan.price = Money(MAX_PRICE.0 + 1);
        assert!(plan.validate().is_err());
        let mut plan = basic();
        plan.routers = Some(MAX_LIMIT + 1);
        assert!(plan.validate().is_err());
        let mut plan = basic();
        plan.code = "Basic Plan".into();
        assert!(plan.validate().is_err());
    }
}
