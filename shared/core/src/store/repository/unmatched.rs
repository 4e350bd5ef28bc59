//! The unmatched payments inbox.

use super::{Repository, Result, item, set};
use crate::{
    domain::{
        audit::AuditEntry,
        unmatched::{Resolution, UnmatchedPayment},
    },
    ports::table::{Condition, Index, Query, Table, TableError, Write},
    store::keys,
};

/// The write that files an item (once: the same payment notified again adds nothing).
pub(super) fn unmatched_write(payment: &UnmatchedPayment) -> Write {
    let key = keys::unmatched(&payment.operator_id, &payment.id);
    Write::put_new(item(payment, key, "unmatched_payment", &[]))
}

impl<T: Table> Repository<T> {
    /// Files an item unless it is filed already. `true` when it is new.
    pub async fn file_unmatched(&self, payment: &UnmatchedPayment) -> Result<bool> {
        match self.table.write(unmatched_write(payment)).await {
            Ok(()) => Ok(true),
            Err(TableError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The operator's items, newest first (at most `limit`).
    pub async fn unmatched_payments(
        &self,
        operator_id: &str,
        limit: usize,
    ) -> Result<Vec<UnmatchedPayment>> {
        let query =
            Query::partition(Index::Primary, keys::unmatched_partition(operator_id)).limit(limit);
        let mut items: Vec<UnmatchedPayment> = self.query_entities(&query).await?;
        items.sort_by_key(|p| std::cmp::Reverse(p.at));
        Ok(items)
    }

    pub async fn unmatched_payment(
        &self,
        operator_id: &str,
        id: &str,
    ) -> Result<Option<UnmatchedPayment>> {
        self.get_entity(&keys::unmatched(operator_id, id)).await
    }

    /// Records what the owner did, once. `ConditionFailed`: resolved already.
    pub async fn resolve_unmatched(
        &self,
        payment: &UnmatchedPayment,
        resolution: &Resolution,
        entry: &AuditEntry,
    ) -> Result<()> {
        let write = Write::Update {
            key: keys::unmatched(&payment.operator_id, &payment.id),
            changes: vec![("resolution".into(), set(resolution))],
            condition: Some(Condition::All(vec![
                Condition::Exists,
                Condition::AttrAbsent("resolution".into()),
            ])),
        };
        self.audited(vec![write], entry).await
    }
}
