//! DynamoDB's request units, computed by DynamoDB's documented rules from the items a call reads
//! and writes (moto answers `ConsumedCapacity` with constants, so the rehearsal counts itself):
//!
//! - an item's size is the sum of its attribute names and values: strings and binaries by
//!   their bytes, numbers `(significant digits + 1) / 2 + 1` bytes, booleans and nulls 1 byte,
//!   lists and maps 3 bytes plus 1 byte and the size of each element (and key);
//! - a read costs one unit per 4 KB, rounded up, at least one: half of that eventually
//!   consistent (index queries always are), twice that in a transaction; a query adds up the
//!   sizes of the items it returns and rounds once, a batch rounds each item;
//! - a write costs one unit per 1 KB of the larger of the item before and after, rounded up,
//!   at least one, twice that in a transaction (a transaction's `ConditionCheck` counts as a
//!   transactional write of the item it checks);
//! - each global secondary index the item is (or was) in costs a write of its size too: one
//!   when it enters, leaves or changes in place, two when its index key changes (delete and
//!   put). Base-table writes in a transaction are doubled; index writes are not.

use serde_json::{Map, Value};

/// Half read units and write units, so eventually consistent reads stay whole numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Units {
    pub read_halves: u64,
    pub write: u64,
}

impl Units {
    pub fn read_units(&self) -> f64 {
        self.read_halves as f64 / 2.0
    }
}

impl std::ops::AddAssign for Units {
    fn add_assign(&mut self, other: Self) {
        self.read_halves += other.read_halves;
        self.write += other.write;
    }
}

/// The key schema of a table and of its global secondary indexes.
#[derive(Debug, Clone, Default)]
pub struct TableKeys {
    pub hash: String,
    pub range: Option<String>,
    /// `(index name, hash attribute, range attribute)`.
    pub indexes: Vec<(String, String, Option<String>)>,
}

fn number_size(text: &str) -> usize {
    let digits: String = text
        .trim_start_matches(['-', '+'])
        .split(['e', 'E'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let significant = digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1);
    significant.div_ceil(2) + 1
}

fn base64_len(text: &str) -> usize {
    text.trim_end_matches('=').len() * 3 / 4
}

/// The size of one attribute value in DynamoDB JSON (`{"S": "x"}`).
pub fn value_size(value: &Value) -> usize {
    let Some((kind, inner)) = value.as_object().and_then(|o| o.iter().next()) else {
        return 0;
    };
    match (kind.as_str(), inner) {
        ("S", Value::String(s)) => s.len(),
        ("N", Value::String(n)) => number_size(n),
        ("B", Value::String(b)) => base64_len(b),
        ("BOOL" | "NULL", _) => 1,
        ("SS", Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::len).sum(),
        ("NS", Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(number_size)
            .sum(),
        ("BS", Value::Array(items)) => items.iter().filter_map(Value::as_str).map(base64_len).sum(),
        ("L", Value::Array(items)) => 3 + items.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        ("M", Value::Object(map)) => {
            3 + map
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// The size of an item in DynamoDB JSON.
pub fn item_size(item: &Map<String, Value>) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn units(size: usize, unit: usize) -> u64 {
    size.div_ceil(unit).max(1) as u64
}

/// Half read units of reading `size` bytes.
pub fn read_halves(size: usize, consistent: bool, transactional: bool) -> u64 {
    let whole = units(size, 4096);
    if transactional {
        whole * 4
    } else if consistent {
        whole * 2
    } else {
        whole
    }
}

fn in_index(item: Option<&Map<String, Value>>, hash: &str, range: Option<&str>) -> bool {
    item.is_some_and(|i| i.contains_key(hash) && range.is_none_or(|r| i.contains_key(r)))
}

/// Write units of changing one item from `before` to `after` (`None`: absent).
pub fn write_units(
    keys: &TableKeys,
    before: Option<&Map<String, Value>>,
    after: Option<&Map<String, Value>>,
    transactional: bool,
) -> u64 {
    let size = before
        .map(item_size)
        .unwrap_or(0)
        .max(after.map(item_size).unwrap_or(0));
    let mut total = units(size, 1024) * if transactional { 2 } else { 1 };
    for (_, hash, range) in &keys.indexes {
        let (was, is) = (
            in_index(before, hash, range.as_deref()),
            in_index(after, hash, range.as_deref()),
        );
        let key_of = |item: Option<&Map<String, Value>>| {
            item.map(|i| {
                (
                    i.get(hash).cloned(),
                    range.as_ref().and_then(|r| i.get(r).cloned()),
                )
            })
        };
        let index_writes = match (was, is) {
            (false, false) => 0,
            (true, true) if before == after => 0,
            (true, true) if key_of(before) != key_of(after) => 2,
            _ => 1,
        };
        let index_size = if is {
            after.map(item_size).unwrap_or(0)
        } else {
            before.map(item_size).unwrap_or(0)
        };
        total += index_writes * units(index_size, 1024);
    }
    total
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn item(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn sizes_follow_dynamodb_rules() {
        assert_eq!(value_size(&json!({"S": "abc"})), 3);
        assert_eq!(value_size(&json!({"N": "123"})), 3);
        assert_eq!(value_size(&json!({"N": "100"})), 2);
        assert_eq!(value_size(&json!({"BOOL": true})), 1);
        assert_eq!(value_size(&json!({"M": {"ab": {"S": "x"}}})), 3 + 1 + 2 + 1);
        assert_eq!(item_size(&item(json!({"pk": {"S": "abcd"}}))), 6);
    }

    #[test]
    fn reads_and_writes_round_up() {
        assert_eq!(read_halves(10, false, false), 1);
        assert_eq!(read_halves(10, true, false), 2);
        assert_eq!(read_halves(5000, true, false), 4);
        assert_eq!(read_halves(10, true, true), 4);
        let keys = TableKeys {
            hash: "pk".into(),
            range: None,
            indexes: vec![("gsi1".into(), "g".into(), None)],
        };
        let small = item(json!({"pk": {"S": "a"}}));
        assert_eq!(write_units(&keys, None, Some(&small), false), 1);
        assert_eq!(write_units(&keys, None, Some(&small), true), 2);
        let indexed = item(json!({"pk": {"S": "a"}, "g": {"S": "1"}}));
        let moved = item(json!({"pk": {"S": "a"}, "g": {"S": "2"}}));
        assert_eq!(write_units(&keys, None, Some(&indexed), false), 2);
        assert_eq!(write_units(&keys, Some(&indexed), Some(&moved), false), 3);
        assert_eq!(write_units(&keys, Some(&indexed), Some(&small), true), 3);
        let big = item(json!({"pk": {"S": "a".repeat(1500)}}));
        assert_eq!(write_units(&keys, Some(&big), Some(&small), false), 2);
    }
}
