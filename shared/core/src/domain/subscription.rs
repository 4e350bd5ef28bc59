//! An operator's subscription to the platform: its plan, its free trial, what it has paid for,
//! and the status that follows from them at any moment.
//!
//! The status is computed, never stored: time passing moves a trial to past due and a past-due
//! operator to restricted without any job running. Restricted and suspended operators create
//! nothing new (vouchers, batches, routers, online sales); what exists keeps working, so a
//! customer never loses a voucher they paid for.

use jiff::{SignedDuration, Timestamp, ToSpan, tz::TimeZone};
use serde::{Deserialize, Serialize};

/// How long the free trial of a new operator lasts.
pub const TRIAL: SignedDuration = SignedDuration::from_hours(14 * 24);
/// How long after the due date an unpaid operator keeps working normally.
pub const GRACE: SignedDuration = SignedDuration::from_hours(7 * 24);
/// How long before its due date the next invoice is issued.
pub const INVOICE_AHEAD: SignedDuration = SignedDuration::from_hours(14 * 24);
/// How long before the due date the portal starts reminding.
pub const REMIND_BEFORE: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Where an operator stands with the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Trial,
    Active,
    /// The due date has passed; within the grace period everything still works.
    PastDue,
    /// Grace is over: nothing new until paid.
    Restricted,
    /// Stopped by the platform administrator.
    Suspended,
}

impl SubscriptionStatus {
    pub const ALL: [Self; 5] = [
        Self::Trial,
        Self::Active,
        Self::PastDue,
        Self::Restricted,
        Self::Suspended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trial => "trial",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Restricted => "restricted",
            Self::Suspended => "suspended",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Trial => "Free trial",
            Self::Active => "Active",
            Self::PastDue => "Payment due",
            Self::Restricted => "Restricted (unpaid)",
            Self::Suspended => "Suspended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether new vouchers, batches, routers and online sales are allowed.
    pub fn may_create(self) -> bool {
        !matches!(self, Self::Restricted | Self::Suspended)
    }
}

/// A smaller plan chosen while a paid period runs: it takes over when that period ends (the
/// operator keeps what they paid for, and cannot pay the small price for the big limits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPlan {
    pub plan: String,
    pub from: Timestamp,
}

/// Why and when the administrator suspended an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    pub reason: String,
    pub at: Timestamp,
}

/// One operator's subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub operator_id: String,
    /// The plan's code in the catalogue.
    pub plan: String,
    pub started_at: Timestamp,
    pub trial_ends_at: Timestamp,
    /// The end of the last paid period; `None` until the first invoice is paid.
    #[serde(default)]
    pub paid_until: Option<Timestamp>,
    /// The end of the last invoiced period (the trial's end until the first invoice).
    pub billed_until: Timestamp,
    #[serde(default)]
    pub suspended: Option<Suspension>,
    #[serde(default)]
    pub pending_plan: Option<PendingPlan>,
    /// Bumped by every change: each write requires the version it read, so two changes
    /// (a payment and an administrator's action) never overwrite each other.
    #[serde(default)]
    pub version: u64,
}

impl Subscription {
    /// A new operator's subscription: a free trial of `plan` from `now`.
    pub fn start_trial(operator_id: &str, plan: &str, now: Timestamp) -> Self {
        let trial_ends_at = now + TRIAL;
        Self {
            operator_id: operator_id.to_owned(),
            plan: plan.to_owned(),
            started_at: now,
            trial_ends_at,
            paid_until: None,
            billed_until: trial_ends_at,
            suspended: None,
            pending_plan: None,
            version: 0,
        }
    }

    /// The plan whose limits apply at `at` (the plan billed for a period starting at `at`).
    pub fn plan_at(&self, at: Timestamp) -> &str {
        match &self.pending_plan {
            Some(pending) if at >= pending.from => &pending.plan,
            _ => &self.plan,
        }
    }

    /// Whether a paid period runs past `now` (changes of plan then wait or cost a top-up).
    pub fn paid_ahead(&self, now: Timestamp) -> bool {
        self.paid_until.is_some_and(|paid| paid > now)
    }

    /// When the next payment is due: the end of what is paid, or of the trial.
    pub fn due_at(&self) -> Timestamp {
        match self.paid_until {
            Some(paid) => paid.max(self.trial_ends_at),
            None => self.trial_ends_at,
        }
    }

    pub fn status(&self, now: Timestamp) -> SubscriptionStatus {
        if self.suspended.is_some() {
            return SubscriptionStatus::Suspended;
        }
        let due = self.due_at();
        if now < due {
            return match self.paid_until {
                Some(paid) if now < paid => SubscriptionStatus::Active,
                _ => SubscriptionStatus::Trial,
            };
        }
        if now < due + GRACE {
            SubscriptionStatus::PastDue
        } else {
            SubscriptionStatus::Restricted
        }
    }

    /// The period the next invoice bills, when it is time to issue it at `now`: from where
    /// billing stopped, or from now after a lapse (unpaid months are not billed afterwards:
    /// the operator was restricted then).
    pub fn next_period(&self, now: Timestamp) -> Option<(Timestamp, Timestamp)> {
        let start = self.billed_until.max(now);
        (now >= self.billed_until - INVOICE_AHEAD).then(|| (start, one_month_after(start)))
    }

    /// Whether the portal should remind the owner to pay (due within a week, or overdue).
    pub fn remind(&self, now: Timestamp) -> bool {
        self.suspended.is_none() && now >= self.due_at() - REMIND_BEFORE
    }
}

/// The same day and time a calendar month later, in UTC (31 January → 28/29 February).
pub fn one_month_after(at: Timestamp) -> Timestamp {
    at.to_zoned_datetime(TimeZone::UTC)
        .checked_add(1.month())
        .map(|z| z.timestamp())
        .unwrap_or(at + SignedDuration::from_hours(30 * 24))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_trial_runs_then_grace_then_restriction() {
        let start = at("2026-12-01T10:00:00Z");
        let sub = Subscription::start_trial("op", "basic", start);
        assert_eq!(sub.trial_ends_at, at("2026-12-15T10:00:00Z"));
        assert_eq!(sub.status(start), SubscriptionStatus::Trial);
        assert_eq!(
            sub.status(at("2026-12-15T09:59:59Z")),
            SubscriptionStatus::Trial
        );
        assert_eq!(
            sub.status(at("2026-12-15T10:00:00Z")),
            SubscriptionStatus::PastDue
        );
        assert!(sub.status(at("2026-12-22T09:59:59Z")).may_create());
        let late = sub.status(at("2026-12-22T10:00:00Z"));
        assert_eq!(late, SubscriptionStatus::Restricted);
        assert!(!late.may_create());
    }

    #[test]
    fn paying_makes_it_active_until_the_period_ends() {
        let start = at("2026-12-01T10:00:00Z");
        let mut sub = Subscription::start_trial("op", "basic", start);
        sub.paid_until = Some(at("2027-01-15T10:00:00Z"));
        assert_eq!(sub.status(start), SubscriptionStatus::Active);
        assert_eq!(sub.due_at(), at("2027-01-15T10:00:00Z"));
        assert_eq!(
            sub.status(at("2027-01-16T00:00:00Z")),
            SubscriptionStatus::PastDue
        );
        sub.suspended = Some(Suspension {
            reason: "fraud".into(),
            at: start,
        });
        assert_eq!(sub.status(start), SubscriptionStatus::Suspended);
        assert!(!sub.status(start).may_create());
    }

    #[test]
    fn invoices_are_issued_ahead_of_each_period() {
        let start = at("2026-12-01T10:00:00Z");
        let mut sub = Subscription::start_trial("op", "basic", start);
        // The first one at once: the trial is no longer than the notice.
        assert_eq!(
            sub.next_period(start),
            Some((at("2026-12-15T10:00:00Z"), at("2027-01-15T10:00:00Z")))
        );
        sub.billed_until = at("2027-01-15T10:00:00Z");
        assert_eq!(sub.next_period(at("2026-12-31T00:00:00Z")), None);
        assert!(sub.next_period(at("2027-01-01T10:00:00Z")).is_some());
        // After months without paying, the next period starts now.
        assert_eq!(
            sub.next_period(at("2027-05-02T08:00:00Z")),
            Some((at("2027-05-02T08:00:00Z"), at("2027-06-02T08:00:00Z")))
        );
    }

    #[test]
    fn a_downgrade_waits_for_the_paid_period_to_end() {
        let start = at("2026-12-01T10:00:00Z");
        let mut sub = Subscription::start_trial("op", "enterprise", start);
        sub.paid_until = Some(at("2027-01-15T10:00:00Z"));
        assert!(sub.paid_ahead(start));
        sub.pending_plan = Some(PendingPlan {
            plan: "basic".into(),
            from: at("2027-01-15T10:00:00Z"),
        });
        assert_eq!(sub.plan_at(at("2027-01-15T09:59:59Z")), "enterprise");
        assert_eq!(sub.plan_at(at("2027-01-15T10:00:00Z")), "basic");
    }

    #[test]
    fn a_month_is_a_calendar_month() {
        assert_eq!(
            one_month_after(at("2027-01-31T08:00:00Z")),
            at("2027-02-28T08:00:00Z")
        );
        assert_eq!(
            one_month_after(at("2026-12-15T10:00:00Z")),
            at("2027-01-15T10:00:00Z")
        );
    }
}
