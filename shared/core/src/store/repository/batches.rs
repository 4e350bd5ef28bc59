//! Voucher batches: the batch, its chunks (vouchers + page of codes + progress, one
//! transaction each) and its pages.

use serde_json::json;

use super::{
    Repository, Result,
    agents::custody_write,
    item, set,
    vouchers::{new_voucher_counts, voucher_item},
};
use crate::{
    domain::{
        audit::AuditEntry,
        batch::{Batch, BatchPage, BatchStatus},
        custody::CustodyEvent,
        voucher::Voucher,
    },
    ports::table::{Change, Condition, Index, Query, Table, Write},
    store::keys,
};

fn batch_item(batch: &Batch) -> crate::ports::table::Item {
    item(
        batch,
        keys::batch(&batch.operator_id, &batch.id),
        "batch",
        &[],
    )
}

impl<T: Table> Repository<T> {
    /// Stores a new batch (no vouchers yet) with its first custody event and audit entry.
    /// Records a new batch; its vouchers count towards the plan's monthly limit of `month`
    /// (and the platform's figures) from now on.
    pub async fn create_batch(
        &self,
        batch: &Batch,
        event: &CustodyEvent,
        entry: &AuditEntry,
        idempotency_key: Option<&str>,
        month: &str,
    ) -> Result<()> {
        let mut writes = vec![
            Write::put_new(batch_item(batch)),
            custody_write(batch, event),
        ];
        if let Some(client_key) = idempotency_key {
            writes.push(Write::put_new(item(
                &json!({ "batch_id": batch.id }),
                keys::idempotency(&batch.operator_id, client_key),
                "idempotency",
                &[],
            )));
        }
        writes.push(super::billing::month_usage_write(
            &batch.operator_id,
            month,
            &[("vouchers_made", i64::from(batch.quantity))],
        ));
        self.audited(writes, entry).await?;
        self.count_for_platform(
            batch.created_at,
            &batch.id,
            &[("vouchers_made", i64::from(batch.quantity))],
        )
        .await;
        Ok(())
    }

    /// The batch an idempotency key created, if any.
    pub async fn batch_of_idempotency_key(
        &self,
        operator_id: &str,
        client_key: &str,
    ) -> Result<Option<Batch>> {
        let found = self
            .table
            .get(&keys::idempotency(operator_id, client_key))
            .await?;
        match found.as_ref().and_then(|i| i.str("batch_id")) {
            Some(batch_id) => self.batch(operator_id, batch_id).await,
            None => Ok(None),
        }
    }

    pub async fn batch(&self, operator_id: &str, id: &str) -> Result<Option<Batch>> {
        self.get_entity(&keys::batch(operator_id, id)).await
    }

    /// The operator's batches, newest first.
    pub async fn batches(&self, operator_id: &str, limit: usize) -> Result<Vec<Batch>> {
        let high = format!("{}~", keys::BATCH_PREFIX);
        let rows = self.batches_up_to(operator_id, &high, limit).await?;
        Ok(rows.into_iter().map(|(_, batch)| batch).collect())
    }

    /// Batches whose sort key (`BATCH#<id>`, ids in creation order) is at most `high`, newest
    /// first, with their sort keys (the listing's cursor).
    pub async fn batches_up_to(
        &self,
        operator_id: &str,
        high: &str,
        limit: usize,
    ) -> Result<Vec<(String, Batch)>> {
        let partition = keys::operator_partition(operator_id);
        self.newest_up_to(Index::Primary, partition, keys::BATCH_PREFIX, high, limit)
            .await
    }

    /// Writes one chunk of a batch: its vouchers (each code must be new), its page of codes,
    /// and the batch's progress, provided the batch is still at `batch.generated`. Fails with
    /// `ConditionFailed { index }`: `index < vouchers.len()` names a taken code; otherwise
    /// another worker wrote this chunk first (or the batch was cancelled).
    pub async fn write_batch_chunk(
        &self,
        batch: &Batch,
        page: &BatchPage,
        vouchers: &[Voucher],
    ) -> Result<()> {
        let op = &batch.operator_id;
        let mut writes: Vec<Write> = vouchers
            .iter()
            .map(|v| Write::put_new(voucher_item(v)))
            .collect();
        let page_key = keys::batch_page(op, &batch.id, page.number);
        writes.push(Write::put_new(item(page, page_key, "batch_page", &[])));
        writes.extend(new_voucher_counts(vouchers));
        let generated = batch.generated + u32::try_from(vouchers.len()).unwrap_or(u32::MAX);
        let mut changes = vec![(
            "generated".into(),
            Change::Add(i64::try_from(vouchers.len()).unwrap_or(0)),
        )];
        if generated >= batch.quantity {
            changes.push(("status".into(), set(BatchStatus::Ready)));
        }
        writes.push(Write::Update {
            key: keys::batch(op, &batch.id),
            changes,
            condition: Some(Condition::All(vec![
                Condition::attr_eq("generated", batch.generated),
                Condition::attr_eq("status", "GENERATING"),
            ])),
        });
        self.table.transact(writes).await?;
        // After the chunk (a chunk fills its transaction's 100 writes): a bump lost to a crash
        // here only delays these vouchers until the router's hourly full plan
        // (`domain::router_state::REPLAN`).
        self.table
            .write(super::routers::router_changed(op, &batch.router_id))
            .await?;
        Ok(())
    }

    /// One page of a batch's codes (1-based), read by its key.
    pub async fn batch_page(
        &self,
        operator_id: &str,
        batch_id: &str,
        number: u32,
    ) -> Result<Option<BatchPage>> {
        self.get_entity(&keys::batch_page(operator_id, batch_id, number))
            .await
    }

    /// The batch's codes, page by page in generation order.
    pub async fn batch_pages(&self, operator_id: &str, batch_id: &str) -> Result<Vec<BatchPage>> {
        let query = Query::partition(Index::Primary, keys::batch_partition(operator_id, batch_id))
            .begins_with(keys::BATCH_PAGE_PREFIX);
        self.query_entities(&query).await
    }

    /// Marks a batch cancelled (its vouchers are cancelled one by one after), with the audit
    /// entry. `ConditionFailed` when it was already cancelled.
    pub async fn cancel_batch(
        &self,
        batch: &Batch,
        event: &CustodyEvent,
        entry: &AuditEntry,
    ) -> Result<()> {
        let write = Write::Update {
            key: keys::batch(&batch.operator_id, &batch.id),
            changes: vec![
                ("status".into(), set(BatchStatus::Cancelled)),
                ("cancelled_at".into(), set(entry.at)),
                ("cancel_reason".into(), set(entry.note.clone())),
            ],
            condition: Some(Condition::AttrIn {
                attribute: "status".into(),
                values: vec![json!("GENERATING"), json!("READY")],
            }),
        };
        // Its router drops the unused vouchers at its next sync.
        let changed = super::routers::router_changed(&batch.operator_id, &batch.router_id);
        self.audited(vec![write, custody_write(batch, event), changed], entry)
            .await
    }
}
