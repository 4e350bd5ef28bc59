//! Typed access to the single table, one module per group of entities. Each method is one
//! access pattern of `docs/data-model.md`; multi-item changes are single transactions, so a crash
//! never leaves half of one behind.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

mod accounts;
mod admins;
mod agents;
mod api_tokens;
mod audit;
mod batches;
mod billing;
mod catalog;
mod customers;
mod merchant_keys;
mod orders;
mod rate_limits;
mod routers;
mod sales;
mod two_factor;
mod unmatched;
mod vouchers;

pub use admins::directory_term;
pub use billing::{MonthUsage, PlatformDay, PlatformSnapshot, invoice_record};
pub use catalog::IpnRegistration;
pub use customers::link_sort_key;
pub use orders::Reversal;
pub use routers::RouterInventory;
pub use sales::{DayTotals, POOL_COUNT, counted_as};
pub use vouchers::latest_usage;

use crate::ports::table::{Change, Index, Item, Key, Query, Table, TableError, attr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A condition of the write did not hold (`index` of the failing write in a transaction).
    #[error("condition failed on write {index}")]
    ConditionFailed { index: usize },
    #[error(transparent)]
    Table(TableError),
    #[error("stored item {pk}/{sk} is unreadable: {error}")]
    Corrupt {
        pk: String,
        sk: String,
        error: String,
    },
}

impl From<TableError> for StoreError {
    fn from(error: TableError) -> Self {
        match error {
            TableError::ConditionFailed { index } => Self::ConditionFailed { index },
            other => Self::Table(other),
        }
    }
}

impl StoreError {
    /// Another write got there first (a condition that no longer holds, or DynamoDB cancelling
    /// a transaction that raced another on the same item): read again and retry.
    pub fn lost_race(&self) -> bool {
        matches!(
            self,
            Self::ConditionFailed { .. } | Self::Table(TableError::Conflict)
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Builds an item from an entity, its key, its type tag and index attributes.
pub(super) fn item<E: Serialize>(
    entity: &E,
    key: Key,
    kind: &str,
    index: &[(&str, String)],
) -> Item {
    let Value::Object(mut map) = serde_json::to_value(entity).expect("entities serialize") else {
        panic!("entities serialize to objects");
    };
    // An absent value is not stored (as in DynamoDB), so `AttrAbsent` conditions see it absent.
    map.retain(|_, value| !value.is_null());
    map.insert(attr::PK.into(), Value::String(key.pk));
    map.insert(attr::SK.into(), Value::String(key.sk));
    map.insert("entity".into(), Value::String(kind.into()));
    for (name, value) in index {
        map.insert((*name).into(), Value::String(value.clone()));
    }
    Item(map)
}

pub(super) fn entity<E: DeserializeOwned>(item: Item) -> Result<E> {
    let (pk, sk) = (
        item.str(attr::PK).unwrap_or("").to_owned(),
        item.str(attr::SK).unwrap_or("").to_owned(),
    );
    serde_json::from_value(Value::Object(item.0)).map_err(|error| StoreError::Corrupt {
        pk,
        sk,
        error: error.to_string(),
    })
}

pub(super) fn set(value: impl Serialize) -> Change {
    Change::Set(serde_json::to_value(value).expect("values serialize"))
}

/// The store of Tiketi's entities over any [`Table`] adapter.
#[derive(Debug, Clone)]
pub struct Repository<T> {
    table: T,
}

impl<T: Table> Repository<T> {
    pub fn new(table: T) -> Self {
        Self { table }
    }

    pub fn table(&self) -> &T {
        &self.table
    }

    async fn get_entity<E: DeserializeOwned>(&self, key: &Key) -> Result<Option<E>> {
        self.table.get(key).await?.map(entity).transpose()
    }

    /// [`Self::get_entity`], eventually consistent ([`Table::get_eventually`]).
    async fn get_entity_eventually<E: DeserializeOwned>(&self, key: &Key) -> Result<Option<E>> {
        self.table
            .get_eventually(key)
            .await?
            .map(entity)
            .transpose()
    }

    /// One page of a listing (`services::paging`): the partition's items whose range key lies
    /// in `low..=high` (none when `high < low`), newest (highest) first, at most `limit`, each
    /// with its range key.
    async fn newest_up_to<E: DeserializeOwned>(
        &self,
        index: Index,
        partition: String,
        low: &str,
        high: &str,
        limit: usize,
    ) -> Result<Vec<(String, E)>> {
        let mut query = Query::partition(index, partition)
            .between(low.to_owned(), high.to_owned())
            .descending()
            .limit(limit);
        let (_, range) = index.attributes();
        let mut rows = Vec::new();
        // DynamoDB may end a page early (1 MB); a listing merging partitions needs them whole.
        loop {
            let page = self.table.query(&query).await?;
            for item in page.items {
                let sort = item.str(range).unwrap_or_default().to_owned();
                rows.push((sort, entity(item)?));
            }
            match page.next {
                Some(next) if rows.len() < limit => {
                    query.after = Some(next);
                    query.limit = Some(limit - rows.len());
                }
                _ => return Ok(rows),
            }
        }
    }

    /// Every item the query matches, or its first `limit`: a page DynamoDB ends early (its
    /// 1 MB cap) is followed, so fewer than `limit` items always means there are no more.
    async fn query_entities<E: DeserializeOwned>(&self, query: &Query) -> Result<Vec<E>> {
        let mut out = Vec::new();
        let wanted = query.limit;
        let mut query = query.clone();
        loop {
            let page = self.table.query(&query).await?;
            for item in page.items {
                out.push(entity(item)?);
            }
            let Some(next) = page.next else {
                return Ok(out);
            };
            match wanted {
                Some(limit) if out.len() >= limit => return Ok(out),
                Some(limit) => query.limit = Some(limit - out.len()),
                None => {}
            }
            query.after = Some(next);
        }
    }
}
