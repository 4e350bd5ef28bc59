//! The expiry sweep: active vouchers whose validity window has ended become EXPIRED, and leave
//! their router's live set (its next sync removes them).
//!
//! Vouchers are found through the expiry index (gsi3, one partition per operator and hour),
//! never by reading all vouchers: a sweep reads the hour buckets from a little before its last
//! run to now, so its cost grows with the vouchers expiring, not with the vouchers stored. Each
//! expiry is a conditional write (only an ACTIVE voucher expires), so sweeps are idempotent and
//! safe to run concurrently.

use jiff::{SignedDuration, Timestamp};
use tracing::{info, warn};

use super::{Platform, ServiceError, Tiketi};
use crate::{domain::catalog::Operator, ports::Clock, store::StoreError};

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: usize,
    /// Hour buckets read.
    pub buckets: usize,
    /// Operators whose sweep failed (logged; retried by the next sweep).
    pub errors: usize,
}

const HOUR: i64 = 3_600;
/// Re-read this much before the last sweep: a voucher activated by a clock slightly behind
/// still lands in a bucket that is read again.
const OVERLAP: SignedDuration = SignedDuration::from_hours(1);
/// How often an operator's swept-until mark is written.
const MARK_EVERY: SignedDuration = SignedDuration::from_hours(1);
/// The first sweep of an operator looks back at most this far.
const FIRST_LOOK_BACK: SignedDuration = SignedDuration::from_hours(90 * 24);

impl<P: Platform> Tiketi<P> {
    /// The sweep on its own, with a whole pass's budget.
    pub async fn sweep_expired(&self) -> Result<SweepReport, ServiceError> {
        self.sweep_expired_until(self.settings.pass_deadline())
            .await
    }

    /// The scheduled pass's sweep; operators not reached by `deadline` wait for the next pass
    /// (their marks stay where they were).
    pub async fn sweep_expired_until(
        &self,
        deadline: std::time::Instant,
    ) -> Result<SweepReport, ServiceError> {
        let now = self.clock.now();
        let mut report = SweepReport::default();
        for operator in self.store.operators().await? {
            if std::time::Instant::now() >= deadline {
                break;
            }
            // One operator's failure (an unreadable item, a store error) must not stop the
            // others; its mark is not moved, so its next sweep reads the same hours again.
            if let Err(error) = self.sweep_operator(&operator, now, &mut report).await {
                warn!(operator_id = %operator.id, %error, "expiry sweep failed for this operator");
                report.errors += 1;
            }
        }
        if report.expired > 0 || report.errors > 0 {
            info!(?report, "expiry sweep done");
        }
        Ok(report)
    }

    async fn sweep_operator(
        &self,
        operator: &Operator,
        now: Timestamp,
        report: &mut SweepReport,
    ) -> Result<(), ServiceError> {
        let swept_until = self.store.expiry_swept_until(&operator.id).await?;
        let from = match swept_until {
            Some(until) => until.saturating_sub(OVERLAP).unwrap_or(until),
            None => operator
                .created_at
                .max(now.saturating_sub(FIRST_LOOK_BACK).unwrap_or(now)),
        };
        for hour in hours(from, now) {
            report.buckets += 1;
            for voucher in self.store.vouchers_due(&operator.id, hour, now).await? {
                match self.store.expire_voucher(&voucher, now).await {
                    Ok(()) => report.expired += 1,
                    // Used up, cancelled or expired by a concurrent sweep meanwhile.
                    Err(StoreError::ConditionFailed { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        // The mark moves once an hour, not every minute (a write per operator a minute): the
        // sweep then reads at most three hour buckets, which costs less.
        if swept_until.is_none_or(|until| now.duration_since(until) >= MARK_EVERY) {
            self.store.set_expiry_swept_until(&operator.id, now).await?;
        }
        Ok(())
    }
}

/// The start of every UTC hour from `from`'s to `to`'s, inclusive.
fn hours(from: Timestamp, to: Timestamp) -> impl Iterator<Item = Timestamp> {
    let floor = |t: Timestamp| t.as_second().div_euclid(HOUR) * HOUR;
    (floor(from)..=floor(to))
        .step_by(HOUR as usize)
        .filter_map(|s| Timestamp::from_second(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_cover_both_ends() {
        let from: Timestamp = "2026-11-25T10:59:59Z".parse().unwrap();
        let to: Timestamp = "2026-11-25T12:00:01Z".parse().unwrap();
        let hours: Vec<String> = hours(from, to).map(|h| h.to_string()).collect();
        assert_eq!(
            hours,
            [
                "2026-11-25T10:00:00Z",
                "2026-11-25T11:00:00Z",
                "2026-11-25T12:00:00Z"
            ]
        );
        assert_eq!(super::hours(to, to).count(), 1);
    }
}
