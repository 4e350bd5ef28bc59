//! Counters of rate limits: one item per subject and window, counted with a conditional ADD
//! (so attempts sent all at once are counted one by one), deleted by the table's TTL.

use super::{Repository, Result};
use crate::{
    domain::rate_limit::RateLimit,
    ports::table::{Change, Condition, Table, TableError, Write},
    store::keys,
};

impl<T: Table> Repository<T> {
    /// Counts one attempt of `subject` under `limit` in the window of `now`; `false` when the
    /// window's limit is reached (nothing counted).
    pub async fn take_rate(
        &self,
        limit: &RateLimit,
        subject: &str,
        now: jiff::Timestamp,
    ) -> Result<bool> {
        let start = limit.window_start(now);
        // Kept one window past its end, then DynamoDB's TTL removes it.
        let expires = (start + limit.window + limit.window).as_second();
        let write = Write::Update {
            key: keys::rate_window(limit.name, subject, start),
            changes: vec![
                ("n".into(), Change::Add(1)),
                ("ttl".into(), Change::Set(expires.into())),
            ],
            condition: Some(Condition::CountBelow {
                attribute: "n".into(),
                limit: i64::from(limit.limit),
            }),
        };
        match self.table.write(write).await {
            Ok(()) => Ok(true),
            Err(TableError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
