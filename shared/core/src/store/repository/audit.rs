//! The audit log: entries are written inside the transaction of the change they record.

use super::{Repository, Result, item};
use crate::{
    domain::audit::AuditEntry,
    ports::table::{Index, Query, Table, Write},
    store::keys,
};

/// The write that appends `entry` (to add to a change's transaction).
pub(super) fn audit_write(entry: &AuditEntry) -> Write {
    let key = keys::audit_entry(&entry.operator_id, entry.at, &entry.id);
    Write::put_new(item(entry, key, "audit", &[]))
}

impl<T: Table> Repository<T> {
    /// Applies `writes` and appends `entry`, all or nothing.
    pub(super) async fn audited(&self, mut writes: Vec<Write>, entry: &AuditEntry) -> Result<()> {
        writes.push(audit_write(entry));
        Ok(self.table.transact(writes).await?)
    }

    /// Appends an entry that records no change of its own (a support view).
    pub async fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        Ok(self.table.write(audit_write(entry)).await?)
    }

    /// The newest `limit` entries before the sort key `before` (a cursor from an earlier page).
    pub async fn audit_log(
        &self,
        operator_id: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, AuditEntry)>> {
        let mut query = Query::partition(Index::Primary, keys::audit_partition(operator_id))
            .descending()
            .limit(limit);
        if let Some(before) = before {
            query = query.between("", before.to_owned());
        }
        let page = self.table.query(&query).await?;
        let mut entries = Vec::new();
        for item in page.items {
            let sk = item.str("sk").unwrap_or_default().to_owned();
            if Some(sk.as_str()) == before {
                continue;
            }
            entries.push((sk, super::entity(item)?));
        }
        Ok(entries)
    }
}
