//! Listings paged newest first by an opaque cursor, one way for every listing (vouchers,
//! orders, customers, a customer's purchases, the audit log).
//!
//! A listing reads one or more index partitions in descending sort-key order, each up to the
//! cursor (the last sort key shown; the range is inclusive, so that key is dropped again) and
//! at most `limit + 2` items (one more than a page tells whether another follows). The rows are
//! merged by sort key, so several partitions (one per status) read as one list.

use super::ServiceError;

/// The most rows one page holds.
pub const MAX_LIMIT: usize = 200;

/// One page of a listing and the cursor of the next, if there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            next: None,
        }
    }
}

pub(crate) fn bad_cursor() -> ServiceError {
    ServiceError::Invalid("this page link is not valid any more: start the search again".into())
}

/// An opaque cursor: a kind letter (which listing) and a value, hex-encoded.
pub(crate) fn encode_cursor(kind: char, value: &str) -> String {
    hex::encode(format!("{kind}{value}"))
}

pub(crate) fn decode_cursor(cursor: &str, kind: char) -> Result<String, ServiceError> {
    let bytes = hex::decode(cursor).map_err(|_| bad_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
    text.strip_prefix(kind)
        .map(str::to_owned)
        .ok_or_else(bad_cursor)
}

/// Where a newest-first listing reads from: the cursor's sort key, or `high` when that is
/// lower (or there is no cursor). `after` is the decoded cursor.
pub(crate) fn upper_bound(high: String, after: Option<&String>) -> String {
    match after {
        Some(after) if *after < high => after.clone(),
        _ => high,
    }
}

/// The reads to make per partition for a page of `limit`.
pub(crate) fn reads_for(limit: usize) -> usize {
    limit + 2
}

/// Merges rows read from one or more partitions (each with its sort key) into the page after
/// `after`: newest first, at most `limit`, with the cursor of the next page.
pub(crate) fn newest_first<T>(
    mut rows: Vec<(String, T)>,
    after: Option<&String>,
    limit: usize,
    kind: char,
) -> Page<T> {
    rows.retain(|(sort, _)| Some(sort) != after);
    rows.sort_by(|a, b| b.0.cmp(&a.0));
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = match more {
        true => rows.last().map(|(sort, _)| encode_cursor(kind, sort)),
        false => None,
    };
    Page {
        items: rows.into_iter().map(|(_, item)| item).collect(),
        next,
    }
}

/// A requested page size: 1 to [`MAX_LIMIT`].
pub fn page_limit(limit: usize) -> Result<usize, ServiceError> {
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(ServiceError::Invalid(format!(
            "a page holds 1 to {MAX_LIMIT} items"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_only_for_their_listing() {
        let cursor = encode_cursor('s', "2026-11-25T10:00:00.000Z#AB");
        assert_eq!(
            decode_cursor(&cursor, 's').unwrap(),
            "2026-11-25T10:00:00.000Z#AB"
        );
        assert!(decode_cursor(&cursor, 'c').is_err());
        assert!(decode_cursor("zz", 's').is_err());
    }

    #[test]
    fn merged_pages_walk_every_row_once() {
        let rows = |from: usize| -> Vec<(String, usize)> {
            (0..10)
                .map(|i| (format!("{:02}", i * 2 + from), i * 2 + from))
                .collect()
        };
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let high = upper_bound("~".into(), after.as_ref());
            let read = |from| {
                rows(from)
                    .into_iter()
                    .filter(|(s, _)| *s <= high)
                    .rev()
                    .take(reads_for(3))
                    .collect::<Vec<_>>()
            };
            let mut all = read(0);
            all.extend(read(1));
            let page = newest_first(all, after.as_ref(), 3, 'x');
            seen.extend(page.items);
            match page.next {
                Some(next) => after = Some(decode_cursor(&next, 'x').unwrap()),
                None => break,
            }
        }
        assert_eq!(seen, (0..20).rev().collect::<Vec<_>>());
    }
}
