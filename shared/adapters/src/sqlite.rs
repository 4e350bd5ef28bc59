//! The embedded single table of the local mode: one SQLite table holding the same items under
//! the same keys as DynamoDB, with the GSI attributes as indexed columns.
//!
//! Every write runs inside `BEGIN IMMEDIATE`, so the conditions are checked against the item as
//! it stands and a transaction applies all of its writes or none, like `TransactWriteItems`.
//! Text comparisons use SQLite's BINARY collation, i.e. UTF-8 byte order, as DynamoDB does.

use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use rusqlite::{
    Connection, OptionalExtension, TransactionBehavior, params_from_iter, types::Value as Sql,
};
use serde_json::{Map, Value};
use tiketi_core::ports::table::{
    Change, Condition, Cursor, Index, Item, Key, Page, Query, RangeCondition, Table, TableError,
    Write, attr, validate_transaction,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT,
    gsi1sk TEXT,
    gsi2pk TEXT,
    gsi2sk TEXT,
    gsi3pk TEXT,
    gsi3sk TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;
";

/// Indexes added after the first release: (columns, index) created on databases that lack them,
/// filled from the items' own attributes, in one transaction. (No local database made before
/// gsi3 holds active vouchers: activation and gsi3 arrived in the same release.)
const MIGRATIONS: &[(&str, &str, &str)] = &[(
    "gsi3pk",
    "gsi3sk",
    "CREATE INDEX IF NOT EXISTS items_gsi3 ON items (gsi3pk, gsi3sk, pk, sk) WHERE gsi3pk IS NOT NULL;",
)];

fn migrate(connection: &Connection) -> Result<(), TableError> {
    let columns: Vec<String> = connection
        .prepare("SELECT name FROM pragma_table_info('items')")
        .and_then(|mut s| s.query_map([], |row| row.get(0))?.collect())
        .map_err(unavailable)?;
    for (hash, range, index) in MIGRATIONS {
        if !columns.iter().any(|c| c == hash) {
            connection
                .execute_batch(&format!(
                    "BEGIN IMMEDIATE; ALTER TABLE items ADD COLUMN {hash} TEXT; ALTER TABLE items ADD COLUMN {range} TEXT;
                     UPDATE items SET {hash} = json_extract(body, '$.{hash}'), {range} = json_extract(body, '$.{range}'); COMMIT;"
                ))
                .map_err(unavailable)?;
        }
        connection.execute_batch(index).map_err(unavailable)?;
    }
    Ok(())
}

/// The SQLite single table. Clones share one connection; calls run on tokio's blocking pool.
#[derive(Debug, Clone)]
pub struct SqliteTable {
    connection: Arc<Mutex<Connection>>,
}

fn unavailable(error: impl std::fmt::Display) -> TableError {
    TableError::Unavailable(error.to_string())
}

impl SqliteTable {
    /// Opens (creating if needed) the table in the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, TableError> {
        Self::setup(Connection::open(path).map_err(unavailable)?)
    }

    /// A private in-memory table (for tests).
    pub fn in_memory() -> Result<Self, TableError> {
        Self::setup(Connection::open_in_memory().map_err(unavailable)?)
    }

    fn setup(connection: Connection) -> Result<Self, TableError> {
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
            .map_err(unavailable)?;
        connection.execute_batch(SCHEMA).map_err(unavailable)?;
        migrate(&connection)?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, TableError> + Send + 'static,
    ) -> Result<T, TableError> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut connection = connection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            work(&mut connection)
        })
        .await
        .map_err(unavailable)?
    }
}

fn read(connection: &Connection, key: &Key) -> Result<Option<Map<String, Value>>, TableError> {
    let body: Option<String> = connection
        .query_row(
            "SELECT body FROM items WHERE pk = ?1 AND sk = ?2",
            [&key.pk, &key.sk],
            |row| row.get(0),
        )
        .optional()
        .map_err(unavailable)?;
    body.map(|b| match serde_json::from_str(&b) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TableError::Unavailable(format!(
            "unreadable item {}/{}",
            key.pk, key.sk
        ))),
    })
    .transpose()
}

fn store(connection: &Connection, map: &Map<String, Value>) -> Result<(), TableError> {
    let text = |name: &str| map.get(name).and_then(Value::as_str).map(str::to_owned);
    let (Some(pk), Some(sk)) = (text(attr::PK), text(attr::SK)) else {
        return Err(TableError::Invalid("item without pk/sk".into()));
    };
    let body = serde_json::to_string(map).map_err(|e| TableError::Invalid(e.to_string()))?;
    connection
        .execute(
            "INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rusqlite::params![
                pk, sk, text(attr::GSI1PK), text(attr::GSI1SK), text(attr::GSI2PK), text(attr::GSI2SK),
                text(attr::GSI3PK), text(attr::GSI3SK), body
            ],
        )
        .map_err(unavailable)?;
    Ok(())
}

/// Whether `condition` holds for the item currently stored (`None`: no item).
fn holds(current: Option<&Map<String, Value>>, condition: &Condition) -> bool {
    match condition {
        Condition::NotExists => current.is_none(),
        Condition::Exists => current.is_some(),
        Condition::AttrIn { attribute, values } => current
            .and_then(|item| item.get(attribute))
            .is_some_and(|v| values.contains(v)),
        Condition::AttrAbsent(name) => current.is_some_and(|item| !item.contains_key(name)),
        Condition::All(parts) => parts.iter().all(|part| holds(current, part)),
        Condition::CountBelow { attribute, limit } => current
            .and_then(|item| item.get(attribute))
            .is_none_or(|v| v.as_i64().is_some_and(|n| n < *limit)),
    }
}

fn check_item(item: &Item) -> Result<(), TableError> {
    fn has_float(value: &Value) -> bool {
        match value {
            Value::Number(n) => n.is_f64(),
            Value::Array(values) => values.iter().any(has_float),
            Value::Object(map) => map.values().any(has_float),
            _ => false,
        }
    }
    if item.0.values().any(has_float) {
        return Err(TableError::Invalid(
            "floats are not stored; use integers".into(),
        ));
    }
    Ok(())
}

/// Applies one write; `index` is its position in the transaction.
fn apply(connection: &Connection, write: &Write, index: usize) -> Result<(), TableError> {
    let key = write
        .key()
        .ok_or_else(|| TableError::Invalid("item without pk/sk".into()))?;
    let current = read(connection, &key)?;
    let condition = match write {
        Write::Put { condition, .. }
        | Write::Update { condition, .. }
        | Write::Delete { condition, .. } => condition.as_ref(),
        Write::Check { condition, .. } => Some(condition),
    };
    if condition.is_some_and(|c| !holds(current.as_ref(), c)) {
        return Err(TableError::ConditionFailed { index });
    }
    match write {
        Write::Put { item, .. } => {
            check_item(item)?;
            store(connection, &item.0)
        }
        Write::Update { changes, .. } => {
            let mut map = current.unwrap_or_else(|| {
                Map::from_iter([
                    (attr::PK.to_owned(), Value::String(key.pk.clone())),
                    (attr::SK.to_owned(), Value::String(key.sk.clone())),
                ])
            });
            for (name, change) in changes {
                if name == attr::PK || name == attr::SK {
                    return Err(TableError::Invalid(
                        "an update cannot change the key".into(),
                    ));
                }
                match change {
                    Change::Set(value) => {
                        check_item(&Item(Map::from_iter([(name.clone(), value.clone())])))?;
                        map.insert(name.clone(), value.clone());
                    }
                    Change::Remove => {
                        map.remove(name);
                    }
                    Change::Add(delta) => {
                        let now = match map.get(name) {
                            None => 0,
                            Some(v) => v.as_i64().ok_or_else(|| {
                                TableError::Invalid(format!("ADD on non-integer attribute {name}"))
                            })?,
                        };
                        let sum = now
                            .checked_add(*delta)
                            .ok_or_else(|| TableError::Invalid("counter overflow".into()))?;
                        map.insert(name.clone(), Value::from(sum));
                    }
                }
            }
            store(connection, &map)
        }
        Write::Delete { .. } => {
            connection
                .execute(
                    "DELETE FROM items WHERE pk = ?1 AND sk = ?2",
                    [&key.pk, &key.sk],
                )
                .map_err(unavailable)?;
            Ok(())
        }
        Write::Check { .. } => Ok(()),
    }
}

fn run_writes(connection: &mut Connection, writes: &[Write]) -> Result<(), TableError> {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    for (index, write) in writes.iter().enumerate() {
        apply(&tx, write, index)?; // dropping `tx` on error rolls back
    }
    tx.commit().map_err(unavailable)
}

fn run_query(connection: &Connection, query: &Query) -> Result<Page, TableError> {
    let (hash, range) = query.index.attributes();
    let mut sql = format!("SELECT body, pk, sk, {range} FROM items WHERE {hash} = ?");
    let mut args: Vec<Sql> = vec![Sql::Text(query.partition.clone())];
    match &query.range {
        Some(RangeCondition::BeginsWith(prefix)) => {
            sql.push_str(&format!(" AND {range} >= ? AND {range} < ?"));
            args.push(Sql::Text(prefix.clone()));
            args.push(Sql::Text(format!("{prefix}\u{10FFFF}")));
        }
        Some(RangeCondition::Between(from, to)) => {
            sql.push_str(&format!(" AND {range} BETWEEN ? AND ?"));
            args.push(Sql::Text(from.clone()));
            args.push(Sql::Text(to.clone()));
        }
        None => {}
    }
    let (direction, compare) = if query.ascending {
        ("ASC", ">")
    } else {
        ("DESC", "<")
    };
    // Ties on a GSI's range key are broken by the primary key, so a cursor is exact.
    let order_columns = if query.index == Index::Primary {
        "sk".to_owned()
    } else {
        format!("{range}, pk, sk")
    };
    if let Some(after) = &query.after {
        if query.index == Index::Primary {
            sql.push_str(&format!(" AND sk {compare} ?"));
            args.push(Sql::Text(after.key.sk.clone()));
        } else {
            sql.push_str(&format!(" AND ({range}, pk, sk) {compare} (?, ?, ?)"));
            args.extend(
                [
                    after.range.clone(),
                    after.key.pk.clone(),
                    after.key.sk.clone(),
                ]
                .map(Sql::Text),
            );
        }
    }
    let columns: Vec<String> = order_columns
        .split(", ")
        .map(|c| format!("{c} {direction}"))
        .collect();
    sql.push_str(&format!(" ORDER BY {}", columns.join(", ")));
    if let Some(limit) = query.limit {
        sql.push_str(&format!(" LIMIT {}", limit + 1));
    }
    let mut statement = connection.prepare(&sql).map_err(unavailable)?;
    let rows = statement
        .query_map(params_from_iter(args), |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })
        .map_err(unavailable)?;
    let mut items = Vec::new();
    let mut next = None;
    for row in rows {
        let (body, pk, sk, range_value) = row.map_err(unavailable)?;
        if query.limit.is_some_and(|limit| items.len() == limit) {
            next = items
                .last()
                .map(|(_, cursor): &(Item, Cursor)| cursor.clone());
            break;
        }
        let Ok(Value::Object(map)) = serde_json::from_str(&body) else {
            return Err(TableError::Unavailable(format!(
                "unreadable item {pk}/{sk}"
            )));
        };
        items.push((
            Item(map),
            Cursor {
                key: Key::new(pk, sk),
                range: range_value,
            },
        ));
    }
    Ok(Page {
        items: items.into_iter().map(|(item, _)| item).collect(),
        next,
    })
}

impl Table for SqliteTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        let key = key.clone();
        self.run(move |c| Ok(read(c, &key)?.map(Item))).await
    }

    async fn write(&self, write: Write) -> Result<(), TableError> {
        self.run(move |c| run_writes(c, std::slice::from_ref(&write)))
            .await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        validate_transaction(&writes)?;
        self.run(move |c| run_writes(c, &writes)).await
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), TableError> {
        self.run(move |c| {
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            for item in &items {
                check_item(item)?;
                store(&tx, &item.0)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        let query = query.clone();
        self.run(move |c| run_query(c, &query)).await
    }
}

#[cfg(test)]
mod tests {
    use tiketi_core::ports::table::{Index, Query, Table};

    use super::SqliteTable;

    #[tokio::test]
    async fn databases_from_before_gsi3_are_migrated() {
        let dir = std::env::temp_dir().join(format!("tiketi-migrate-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tiketi.db");
        {
            let old = rusqlite::Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, gsi1pk TEXT, gsi1sk TEXT,
                    gsi2pk TEXT, gsi2sk TEXT, body TEXT NOT NULL, PRIMARY KEY (pk, sk)) WITHOUT ROWID;
                 INSERT INTO items (pk, sk, body) VALUES ('P', 'S',
                    '{\"pk\":\"P\",\"sk\":\"S\",\"gsi3pk\":\"G\",\"gsi3sk\":\"1\"}');",
            )
            .unwrap();
        }
        let table = SqliteTable::open(&path).unwrap();
        let page = table
            .query(&Query::partition(Index::Gsi3, "G"))
            .await
            .unwrap();
        assert_eq!(
            page.items.len(),
            1,
            "existing items are indexed by the new columns"
        );
        drop(table);
        SqliteTable::open(&path).unwrap(); // opening again is a no-op
        std::fs::remove_dir_all(dir).unwrap();
    }
}
