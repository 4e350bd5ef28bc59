//! The single-table store port.
//!
//! Tiketi keeps every entity in one table keyed by `pk`/`sk`, with two global secondary indexes
//! (`gsi1pk`/`gsi1sk`, `gsi2pk`/`gsi2sk`, `gsi3pk`/`gsi3sk`), exactly as DynamoDB stores it. The port speaks in those
//! terms (items, keys, conditions, transactions) so that the DynamoDB adapter and the embedded
//! SQLite adapter serve the *same* keys with the *same* conditional and transactional semantics;
//! `store::keys` is the one place that builds keys, `store::Repository` the one place that maps
//! entities onto items. The contract suite in `tests/` runs against every adapter.

use std::future::Future;

use serde_json::{Map, Value};

/// Attribute names of the key schema, fixed here once.
pub mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const GSI1PK: &str = "gsi1pk";
    pub const GSI1SK: &str = "gsi1sk";
    pub const GSI2PK: &str = "gsi2pk";
    pub const GSI2SK: &str = "gsi2sk";
    pub const GSI3PK: &str = "gsi3pk";
    pub const GSI3SK: &str = "gsi3sk";
}

/// The primary key of an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// One item: its attributes as JSON values (strings, integers, booleans, nested maps and lists).
/// Key attributes (`pk`, `sk` and, when the item is indexed, the `gsi*` pairs) are ordinary
/// string attributes of the map. Floats are not allowed: money and counters are integers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Item(pub Map<String, Value>);

impl Item {
    pub fn key(&self) -> Option<Key> {
        Some(Key::new(self.str(attr::PK)?, self.str(attr::SK)?))
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.0.get(name).and_then(Value::as_i64)
    }
}

/// A condition on the item currently stored under a key (DynamoDB `ConditionExpression`).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// No item exists under the key (`attribute_not_exists(pk)`).
    NotExists,
    /// An item exists under the key (`attribute_exists(pk)`).
    Exists,
    /// The item exists and `attribute` equals one of `values`.
    AttrIn {
        attribute: String,
        values: Vec<Value>,
    },
    /// The item exists and has no attribute named so (`attribute_not_exists(name)`).
    AttrAbsent(String),
    /// Every condition holds.
    All(Vec<Self>),
    /// A counter is under `limit`: no item, no such attribute, or a number below it
    /// (`attribute_not_exists(pk) OR attribute_not_exists(name) OR name < limit`). For
    /// counting attempts up to a limit with one conditional `ADD`.
    CountBelow { attribute: String, limit: i64 },
}

impl Condition {
    pub fn attr_eq(attribute: &str, value: impl Into<Value>) -> Self {
        Self::AttrIn {
            attribute: attribute.to_owned(),
            values: vec![value.into()],
        }
    }
}

/// A change to one attribute by [`Write::Update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `SET name = value`.
    Set(Value),
    /// `REMOVE name`.
    Remove,
    /// `ADD name delta`: an atomic integer counter, created at 0 when absent.
    Add(i64),
}

/// One write, alone or inside a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Replace (or create) the whole item.
    Put {
        item: Item,
        condition: Option<Condition>,
    },
    /// Change some attributes, creating the item when absent (like DynamoDB `UpdateItem`).
    Update {
        key: Key,
        changes: Vec<(String, Change)>,
        condition: Option<Condition>,
    },
    /// Delete the item (a no-op when absent, unless a condition says otherwise).
    Delete {
        key: Key,
        condition: Option<Condition>,
    },
    /// Write nothing; only check a condition inside a transaction.
    Check { key: Key, condition: Condition },
}

impl Write {
    pub fn put(item: Item) -> Self {
        Self::Put {
            item,
            condition: None,
        }
    }

    pub fn put_new(item: Item) -> Self {
        Self::Put {
            item,
            condition: Some(Condition::NotExists),
        }
    }

    pub fn key(&self) -> Option<Key> {
        match self {
            Self::Put { item, .. } => item.key(),
            Self::Update { key, .. } | Self::Delete { key, .. } | Self::Check { key, .. } => {
                Some(key.clone())
            }
        }
    }
}

/// Which index a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Primary,
    Gsi1,
    Gsi2,
    Gsi3,
}

impl Index {
    /// The global secondary indexes, in order.
    pub const SECONDARY: [Self; 3] = [Self::Gsi1, Self::Gsi2, Self::Gsi3];

    /// The hash and range attribute names of the index.
    pub fn attributes(self) -> (&'static str, &'static str) {
        match self {
            Self::Primary => (attr::PK, attr::SK),
            Self::Gsi1 => (attr::GSI1PK, attr::GSI1SK),
            Self::Gsi2 => (attr::GSI2PK, attr::GSI2SK),
            Self::Gsi3 => (attr::GSI3PK, attr::GSI3SK),
        }
    }

    /// The DynamoDB index name (`None` for the table itself).
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::Primary => None,
            Self::Gsi1 => Some("gsi1"),
            Self::Gsi2 => Some("gsi2"),
            Self::Gsi3 => Some("gsi3"),
        }
    }
}

/// A condition on the range key of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeCondition {
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
}

/// A query of one partition of one index, in range-key order.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub index: Index,
    pub partition: String,
    pub range: Option<RangeCondition>,
    pub ascending: bool,
    pub limit: Option<usize>,
    /// The `next` of the previous page.
    pub after: Option<Cursor>,
}

impl Query {
    pub fn partition(index: Index, partition: impl Into<String>) -> Self {
        Self {
            index,
            partition: partition.into(),
            range: None,
            ascending: true,
            limit: None,
            after: None,
        }
    }

    pub fn begins_with(mut self, prefix: impl Into<String>) -> Self {
        self.range = Some(RangeCondition::BeginsWith(prefix.into()));
        self
    }

    pub fn between(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.range = Some(RangeCondition::Between(from.into(), to.into()));
        self
    }

    pub fn descending(mut self) -> Self {
        self.ascending = false;
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// Where the next page of a query starts: the primary key and index key of the last item read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: Key,
    /// The index's range key value of the last item (equal to `key.sk` on the primary index).
    pub range: String,
}

/// One page of a query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<Cursor>,
}

/// Errors of the table port.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// A condition did not hold; nothing was written. `index` is the position of the failing
    /// write inside a transaction (0 for a single write).
    #[error("condition failed on write {index}")]
    ConditionFailed { index: usize },
    /// Two transactions touched the same item at once; nothing was written, retrying may succeed.
    #[error("transaction conflict")]
    Conflict,
    /// The request itself was invalid (e.g. a transaction over 100 items or touching one item twice).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The backend failed (network, throttling, disk...).
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// At most this many writes in one transaction (DynamoDB's `TransactWriteItems` limit).
pub const MAX_TRANSACTION_WRITES: usize = 100;

/// The single-table store.
///
/// Contract (checked by `tests/contract/table.rs` for every adapter):
/// - `get` is strongly consistent; `get_eventually` and queries of a GSI may lag writes
///   slightly (as on DynamoDB, where an eventually consistent read costs half).
/// - `write` applies one write atomically, or fails with `ConditionFailed { index: 0 }`.
/// - `transact` applies all writes or none; at most [`MAX_TRANSACTION_WRITES`], each on a
///   different key, else `Invalid`. A failing condition gives `ConditionFailed` with its index.
/// - `batch_put` writes unconditionally, in chunks; not atomic as a whole.
/// - `query` returns items of one partition in range order, honouring `limit` and `after`.
pub trait Table: Send + Sync + 'static {
    fn get(&self, key: &Key) -> impl Future<Output = Result<Option<Item>, TableError>> + Send;
    /// `get` for reads repeated every minute where missing the last second's write does no
    /// harm (a router's run): half the read cost on DynamoDB. Stores that are always
    /// consistent need not override it.
    fn get_eventually(
        &self,
        key: &Key,
    ) -> impl Future<Output = Result<Option<Item>, TableError>> + Send {
        self.get(key)
    }
    fn write(&self, write: Write) -> impl Future<Output = Result<(), TableError>> + Send;
    fn transact(&self, writes: Vec<Write>) -> impl Future<Output = Result<(), TableError>> + Send;
    fn batch_put(&self, items: Vec<Item>) -> impl Future<Output = Result<(), TableError>> + Send;
    fn query(&self, query: &Query) -> impl Future<Output = Result<Page, TableError>> + Send;
}

/// Checks the shape rules every adapter enforces before a transaction.
pub fn validate_transaction(writes: &[Write]) -> Result<(), TableError> {
    if writes.is_empty() || writes.len() > MAX_TRANSACTION_WRITES {
        return Err(TableError::Invalid(format!(
            "a transaction holds 1 to {MAX_TRANSACTION_WRITES} writes, not {}",
            writes.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for write in writes {
        let key = write
            .key()
            .ok_or_else(|| TableError::Invalid("item without pk/sk".into()))?;
        if !seen.insert(key.clone()) {
            return Err(TableError::Invalid(format!(
                "two writes on {}/{}",
                key.pk, key.sk
            )));
        }
    }
    Ok(())
}
