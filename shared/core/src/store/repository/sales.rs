//! Sales, their per-day counters (one item per day and dimension, kept in the same transaction
//! as the sale) and the per-status voucher counts.

use std::collections::BTreeMap;

use super::{Repository, Result, set};
use crate::{
    domain::{
        ledger::{Channel, Dimension, DimensionKind},
        order::Order,
        voucher::{Origin, Sale, Voucher, VoucherStatus},
    },
    ports::table::{Change, Index, Item, Key, Query, Table, Write, attr},
    store::keys,
};

/// Sales counters of one business day along one dimension. Reversals are counted apart:
/// revenue is `amount_minor - reversed_minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayTotals {
    pub count: i64,
    pub amount_minor: i64,
    pub fee_minor: i64,
    pub commission_minor: i64,
    pub reversed_count: i64,
    pub reversed_minor: i64,
}

impl DayTotals {
    fn from_item(item: &Item) -> Self {
        let int = |name| item.int(name).unwrap_or(0);
        Self {
            count: int("count"),
            amount_minor: int("amount_minor"),
            fee_minor: int("fee_minor"),
            commission_minor: int("commission_minor"),
            reversed_count: int("reversed_count"),
            reversed_minor: int("reversed_minor"),
        }
    }

    pub fn add(&mut self, other: &Self) {
        self.count += other.count;
        self.amount_minor += other.amount_minor;
        self.fee_minor += other.fee_minor;
        self.commission_minor += other.commission_minor;
        self.reversed_count += other.reversed_count;
        self.reversed_minor += other.reversed_minor;
    }

    /// Sales less reversals.
    pub fn net_count(&self) -> i64 {
        self.count - self.reversed_count
    }

    /// Takings less reversals (before fees and commission).
    pub fn gross_minor(&self) -> i64 {
        self.amount_minor - self.reversed_minor
    }

    /// Takings per sale, rounded half up to the minor unit (0 without sales).
    pub fn average_minor(&self) -> i64 {
        match self.net_count() {
            n if n <= 0 => 0,
            n => (self.gross_minor() * 2 + n).div_euclid(2 * n),
        }
    }

    /// What the operator keeps: gross less gateway fees and agents' commission.
    pub fn net_minor(&self) -> i64 {
        self.gross_minor() - self.fee_minor - self.commission_minor
    }
}

/// One counter item read back: its day, the dimension's value (`None` for `All`) and figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCounter {
    pub day: String,
    pub value: Option<String>,
    pub totals: DayTotals,
}

/// The counter writes of a sale: `All`, its ticket type, router and channel, and its seller.
pub(super) fn sale_counters(sale: &Sale, day: &str) -> Vec<Write> {
    let op = &sale.operator_id;
    let mut dimensions = vec![
        Dimension::All,
        Dimension::TicketType(&sale.ticket_type_id),
        Dimension::Router(&sale.router_id),
        Dimension::Channel(sale.channel),
    ];
    if let Some(seller) = &sale.seller {
        dimensions.push(Dimension::Seller(&seller.user_id));
    }
    let changes = [
        ("count", 1),
        ("amount_minor", sale.amount.minor()),
        ("fee_minor", sale.fee.minor()),
        ("commission_minor", sale.commission.minor()),
    ];
    dimensions
        .into_iter()
        .map(|dimension| counter_write(keys::day_total(op, day, dimension), &changes))
        .collect()
}

/// The counter writes of a reversed online sale (every dimension its sale counted in).
pub(super) fn reversal_counters(order: &Order, day: &str) -> Vec<Write> {
    let op = &order.operator_id;
    let changes = [
        ("reversed_count", 1),
        ("reversed_minor", order.amount.minor()),
    ];
    [
        Dimension::All,
        Dimension::TicketType(&order.terms.ticket_type_id),
        Dimension::Router(&order.router_id),
        Dimension::Channel(Channel::Online),
    ]
    .into_iter()
    .map(|dimension| counter_write(keys::day_total(op, day, dimension), &changes))
    .collect()
}

fn counter_write(key: Key, changes: &[(&str, i64)]) -> Write {
    let mut changes: Vec<(String, Change)> = changes
        .iter()
        .map(|(name, delta)| ((*name).to_owned(), Change::Add(*delta)))
        .collect();
    changes.push(("entity".into(), set("day_total")));
    Write::Update {
        key,
        changes,
        condition: None,
    }
}

/// Where a voucher is counted in the operator's counts: its status, except that an unsold pool
/// voucher counts apart, under [`POOL_COUNT`] (the routers' float for online sales, not stock
/// the operator made).
pub fn counted_as(voucher: &Voucher) -> &'static str {
    match (&voucher.origin, voucher.status) {
        (
            Origin::Pool {
                counted_apart: true,
                ..
            },
            VoucherStatus::Unused,
        ) => POOL_COUNT,
        (_, status) => status.as_str(),
    }
}

/// The count of unsold pool vouchers in the operator's counts.
pub const POOL_COUNT: &str = "POOL";

/// Moves vouchers between counts (see [`counted_as`]): `n` more in `to`, `n` fewer in `from`
/// (a new voucher has no `from`; `from == to` moves nothing).
pub(super) fn count_vouchers(op: &str, from: Option<&str>, to: &str, n: i64) -> Write {
    let mut changes = Vec::new();
    // Staying in the same count (a pool voucher of an earlier version sold) changes nothing.
    if from != Some(to) {
        changes.push((to.to_owned(), Change::Add(n)));
        if let Some(from) = from {
            changes.push((from.to_owned(), Change::Add(-n)));
        }
    }
    changes.push(("entity".into(), set("voucher_counts")));
    Write::Update {
        key: keys::voucher_counts(op),
        changes,
        condition: None,
    }
}

impl<T: Table> Repository<T> {
    pub async fn sales_of_day(&self, operator_id: &str, day: &str) -> Result<Vec<Sale>> {
        let query = Query::partition(Index::Primary, keys::sales_day(operator_id, day))
            .begins_with(keys::SALE_PREFIX);
        self.query_entities(&query).await
    }

    /// The newest `limit` sales of a business day.
    pub async fn latest_sales_of_day(
        &self,
        operator_id: &str,
        day: &str,
        limit: usize,
    ) -> Result<Vec<Sale>> {
        let query = Query::partition(Index::Primary, keys::sales_day(operator_id, day))
            .begins_with(keys::SALE_PREFIX)
            .descending()
            .limit(limit);
        self.query_entities(&query).await
    }

    /// One day's counters along one dimension.
    pub async fn day_totals(
        &self,
        operator_id: &str,
        day: &str,
        dimension: Dimension<'_>,
    ) -> Result<DayTotals> {
        let key = keys::day_total(operator_id, day, dimension);
        let item = self.table.get(&key).await?;
        Ok(item.as_ref().map(DayTotals::from_item).unwrap_or_default())
    }

    /// Every counter of a dimension from day `from` to day `to` (inclusive, `YYYY-MM-DD`), in
    /// day order: one query, whose size grows with the days and values, never with the sales.
    pub async fn day_totals_between(
        &self,
        operator_id: &str,
        kind: DimensionKind,
        from: &str,
        to: &str,
    ) -> Result<Vec<DayCounter>> {
        let (low, high) = keys::day_totals_range(kind, from, to);
        let mut query = Query::partition(Index::Primary, keys::totals_partition(operator_id))
            .between(low, high);
        let prefix_len = kind.tag().len() + 1;
        let mut out = Vec::new();
        loop {
            let page = self.table.query(&query).await?;
            for item in &page.items {
                let sk = item.str(attr::SK).unwrap_or_default();
                let rest = sk.get(prefix_len..).unwrap_or_default();
                let (day, value) = match rest.split_once('#') {
                    Some((day, value)) => (day, Some(value.to_owned())),
                    None => (rest, None),
                };
                out.push(DayCounter {
                    day: day.to_owned(),
                    value,
                    totals: DayTotals::from_item(item),
                });
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// How many of the operator's vouchers are in each status.
    pub async fn voucher_counts(&self, operator_id: &str) -> Result<BTreeMap<String, i64>> {
        let item = self.table.get(&keys::voucher_counts(operator_id)).await?;
        let counted = [
            VoucherStatus::Unused.as_str(),
            VoucherStatus::Active.as_str(),
            VoucherStatus::UsedUp.as_str(),
            VoucherStatus::Expired.as_str(),
            VoucherStatus::Cancelled.as_str(),
            POOL_COUNT,
        ];
        Ok(counted
            .iter()
            .map(|c| {
                let n = item.as_ref().and_then(|i| i.int(c)).unwrap_or(0);
                ((*c).to_owned(), n)
            })
            .collect())
    }
}
