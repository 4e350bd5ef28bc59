//! Sales figures for the dashboard and reports, read from the per-day counters the sale path
//! keeps (`store::DayTotals`, one item per day and dimension), never from a scan of the sales:
//! a report over any range is one query per dimension, whose size grows with the days, not
//! with the sales.
//!
//! Periods are the operator's business days (in their time zone), grouped into weeks (Monday
//! first) or calendar months. A reversal counts on the day it happened: the price goes back to
//! the buyer (`reversed_minor`), while the gateway's fee on the original payment is not assumed
//! refunded and stays a cost.

use std::collections::{BTreeMap, HashMap};

use jiff::{ToSpan, civil::Date};

use super::{Platform, ServiceError, Tiketi, issuance::business_day};
use crate::{
    domain::ledger::{Channel, Dimension, DimensionKind},
    ports::Clock,
    store::DayTotals,
};

/// One business day's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayFigures {
    pub day: String,
    pub totals: DayTotals,
}

/// How days are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Granularity {
    #[default]
    Day,
    Week,
    Month,
}

impl Granularity {
    pub fn parse(text: &str) -> Self {
        match text {
            "week" | "weekly" => Self::Week,
            "month" | "monthly" => Self::Month,
            _ => Self::Day,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The first day of the period holding `day`.
    pub fn start_of(self, day: Date) -> Date {
        match self {
            Self::Day => day,
            Self::Week => {
                let back = i64::from(day.weekday().to_monday_zero_offset());
                day.checked_sub(back.days()).unwrap_or(day)
            }
            Self::Month => day.first_of_month(),
        }
    }

    /// The first day of the period after the one starting on `start`.
    fn next(self, start: Date) -> Date {
        let step = match self {
            Self::Day => 1.day(),
            Self::Week => 1.week(),
            Self::Month => 1.month(),
        };
        start.checked_add(step).unwrap_or(start)
    }
}

/// One period's figures: its first day and the sum of its days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodFigures {
    pub start: Date,
    pub totals: DayTotals,
}

/// One value of a dimension (a ticket type id, router id, channel, seller id) over a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub value: String,
    pub totals: DayTotals,
}

/// The longest range a report covers (a chart of days stays readable, a CSV stays small).
pub const MAX_REPORT_DAYS: i32 = 731;

fn bad_day(error: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(format!("bad day: {error}"))
}

impl<P: Platform> Tiketi<P> {
    /// Today in the operator's zone.
    pub fn business_today(&self, time_zone: &str) -> Result<Date, ServiceError> {
        business_day(self.clock.now(), time_zone)
            .parse()
            .map_err(bad_day)
    }

    /// The days a report covers, from what the owner typed (`2026-11-25`; empty: the 30 days
    /// up to today in the operator's zone).
    pub fn report_range(
        &self,
        time_zone: &str,
        from: &str,
        to: &str,
    ) -> Result<(Date, Date), ServiceError> {
        let day = |text: &str, default: Date| match text.trim() {
            "" => Ok(default),
            text => text
                .parse::<Date>()
                .map_err(|_| ServiceError::Invalid("dates are days like 2026-11-25".into())),
        };
        let to = day(to, self.business_today(time_zone)?)?;
        let from = day(from, to.checked_sub(29.days()).unwrap_or(to))?;
        if from > to {
            return Err(ServiceError::Invalid(
                "the first day comes after the last".into(),
            ));
        }
        if (to - from).get_days() > MAX_REPORT_DAYS {
            return Err(ServiceError::Invalid(format!(
                "a report covers at most {MAX_REPORT_DAYS} days"
            )));
        }
        Ok((from, to))
    }

    /// The operator's counters for the `days` business days up to today (oldest first, every
    /// day present).
    pub async fn recent_days(
        &self,
        operator_id: &str,
        time_zone: &str,
        days: u32,
    ) -> Result<Vec<DayFigures>, ServiceError> {
        let today = self.business_today(time_zone)?;
        let first = today
            .checked_sub((i64::from(days) - 1).days())
            .map_err(bad_day)?;
        let periods = self
            .periods(operator_id, Granularity::Day, first, today)
            .await?;
        Ok(periods
            .into_iter()
            .map(|p| DayFigures {
                day: p.start.to_string(),
                totals: p.totals,
            })
            .collect())
    }

    /// Every period from the one holding `from` to the one holding `to`, oldest first, empty
    /// periods included (a chart needs its gaps).
    pub async fn periods(
        &self,
        operator_id: &str,
        granularity: Granularity,
        from: Date,
        to: Date,
    ) -> Result<Vec<PeriodFigures>, ServiceError> {
        let first = granularity.start_of(from);
        let counters = self
            .store
            .day_totals_between(
                operator_id,
                DimensionKind::All,
                &first.to_string(),
                &to.to_string(),
            )
            .await?;
        let mut periods: BTreeMap<Date, DayTotals> = BTreeMap::new();
        let mut start = first;
        while start <= to {
            periods.insert(start, DayTotals::default());
            start = granularity.next(start);
        }
        for counter in counters {
            let day: Date = counter.day.parse().map_err(bad_day)?;
            if let Some(totals) = periods.get_mut(&granularity.start_of(day)) {
                totals.add(&counter.totals);
            }
        }
        Ok(periods
            .into_iter()
            .map(|(start, totals)| PeriodFigures { start, totals })
            .collect())
    }

    /// The range's figures per value of a dimension, biggest takings first.
    pub async fn breakdown(
        &self,
        operator_id: &str,
        kind: DimensionKind,
        from: Date,
        to: Date,
    ) -> Result<Vec<Breakdown>, ServiceError> {
        let counters = self
            .store
            .day_totals_between(operator_id, kind, &from.to_string(), &to.to_string())
            .await?;
        let mut by_value: BTreeMap<String, DayTotals> = BTreeMap::new();
        for counter in counters {
            let value = counter.value.unwrap_or_default();
            by_value.entry(value).or_default().add(&counter.totals);
        }
        let mut rows: Vec<Breakdown> = by_value
            .into_iter()
            .map(|(value, totals)| Breakdown { value, totals })
            .collect();
        rows.sort_by(|a, b| {
            b.totals
                .gross_minor()
                .cmp(&a.totals.gross_minor())
                .then_with(|| a.value.cmp(&b.value))
        });
        Ok(rows)
    }

    /// Display names of the values a breakdown carries: ticket types, routers and users by id,
    /// channels by their code.
    pub async fn report_names(
        &self,
        operator_id: &str,
    ) -> Result<HashMap<String, String>, ServiceError> {
        let mut names = HashMap::new();
        for t in self.store.ticket_types(operator_id).await? {
            names.insert(t.id, t.name);
        }
        for r in self.store.routers(operator_id).await? {
            names.insert(r.id, r.name);
        }
        for u in self.store.users(operator_id).await? {
            names.insert(u.id, u.name);
        }
        for c in Channel::ALL {
            names.insert(c.as_str().to_owned(), c.label().to_owned());
        }
        Ok(names)
    }

    /// One day's counters of one dimension value (e.g. today's cash sales).
    pub async fn day_figures(
        &self,
        operator_id: &str,
        day: Date,
        dimension: Dimension<'_>,
    ) -> Result<DayTotals, ServiceError> {
        Ok(self
            .store
            .day_totals(operator_id, &day.to_string(), dimension)
            .await?)
    }
}

/// The sum of some days' counters.
pub fn sum(days: &[DayFigures]) -> DayTotals {
    days.iter().fold(DayTotals::default(), |mut acc, d| {
        acc.add(&d.totals);
        acc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_on_mondays_and_firsts_of_months() {
        let wednesday: Date = "2026-11-25".parse().unwrap();
        assert_eq!(
            Granularity::Week.start_of(wednesday),
            "2026-11-23".parse().unwrap()
        );
        let monday: Date = "2026-11-23".parse().unwrap();
        assert_eq!(Granularity::Week.start_of(monday), monday);
        assert_eq!(
            Granularity::Month.start_of(wednesday),
            "2026-11-01".parse().unwrap()
        );
        assert_eq!(Granularity::Day.start_of(wednesday), wednesday);
        assert_eq!(
            Granularity::Month.next("2026-12-01".parse().unwrap()),
            "2027-01-01".parse().unwrap()
        );
    }
}
