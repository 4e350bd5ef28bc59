//! Sales figures for the dashboard and reports, read from the per-day counters the sale path
//! keeps (`store::DayTotals`), never from a scan of the sales.

use jiff::{ToSpan, civil::Date};

use super::{Platform, ServiceError, Tiketi, issuance::business_day};
use crate::{domain::ledger::Dimension, ports::Clock, store::DayTotals};

/// One business day's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayFigures {
    pub day: String,
    pub totals: DayTotals,
}

impl<P: Platform> Tiketi<P> {
    /// The operator's counters for the `days` business days up to today (oldest first).
    pub async fn recent_days(
        &self,
        operator_id: &str,
        time_zone: &str,
        days: u32,
    ) -> Result<Vec<DayFigures>, ServiceError> {
        let today: Date = business_day(self.clock.now(), time_zone)
            .parse()
            .map_err(|_| ServiceError::Invalid("bad business day".into()))?;
        let mut figures = Vec::with_capacity(days as usize);
        for back in (0..i64::from(days)).rev() {
            let day = today
                .checked_sub(back.days())
                .map_err(|e| ServiceError::Invalid(e.to_string()))?
                .to_string();
            let totals = self
                .store
                .day_totals(operator_id, &day, Dimension::All)
                .await?;
            figures.push(DayFigures { day, totals });
        }
        Ok(figures)
    }
}

/// The sum of some days' counters.
pub fn sum(days: &[DayFigures]) -> DayTotals {
    days.iter().fold(DayTotals::default(), |mut acc, d| {
        acc.add(&d.totals);
        acc
    })
}
