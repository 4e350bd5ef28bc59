//! Sales and their per-day counters, and customers' totals.

use super::{Repository, Result};
use crate::{
    domain::voucher::Sale,
    ports::table::{Index, Query, Table},
    store::keys,
};

/// Sales counters of one business day (all, or one ticket type / router). Reversals are
/// counted apart: net revenue is `amount_minor - reversed_minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayTotals {
    pub count: i64,
    pub amount_minor: i64,
    pub reversed_count: i64,
    pub reversed_minor: i64,
}

impl<T: Table> Repository<T> {
    pub async fn sales_of_day(&self, operator_id: &str, day: &str) -> Result<Vec<Sale>> {
        let query = Query::partition(Index::Primary, keys::sales_day(operator_id, day))
            .begins_with(keys::SALE_PREFIX);
        self.query_entities(&query).await
    }

    pub async fn day_totals(&self, operator_id: &str, day: &str) -> Result<DayTotals> {
        let item = self.table.get(&keys::day_total(operator_id, day)).await?;
        Ok(item.map_or_else(DayTotals::default, |item| DayTotals {
            count: item.int("count").unwrap_or(0),
            amount_minor: item.int("amount_minor").unwrap_or(0),
            reversed_count: item.int("reversed_count").unwrap_or(0),
            reversed_minor: item.int("reversed_minor").unwrap_or(0),
        }))
    }

    /// A customer's purchase counters: (purchases, spent in minor units).
    pub async fn customer_totals(
        &self,
        operator_id: &str,
        msisdn: &str,
    ) -> Result<Option<(i64, i64)>> {
        let item = self.table.get(&keys::customer(operator_id, msisdn)).await?;
        Ok(item.map(|i| {
            (
                i.int("purchases").unwrap_or(0),
                i.int("spent_minor").unwrap_or(0),
            )
        }))
    }
}
