//! Vouchers: issuance with the sale, usage, expiry and pools.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::json;

use super::{
    Repository, Result, StoreError, billing, customers, item,
    routers::router_changed,
    sales::{POOL_COUNT, count_vouchers, counted_as, sale_counters},
    set,
};
use crate::{
    domain::{
        audit::AuditEntry,
        order::{Order, OrderStatus},
        voucher::{Origin, Sale, Usage, UsageChange, Voucher, VoucherStatus},
    },
    ports::table::{
        Change, Condition, Index, Item, MAX_TRANSACTION_WRITES, Query, Table, TableError, Write,
        attr,
    },
    store::keys,
};

/// Which lane of its router's live vouchers a voucher is in.
fn live_lane(voucher: &Voucher) -> keys::LiveLane {
    match voucher.origin {
        Origin::Sale { .. } | Origin::Pool { .. } => keys::LiveLane::Buyers,
        Origin::Batch { .. } => keys::LiveLane::Stock,
    }
}

pub(super) fn voucher_item(voucher: &Voucher) -> Item {
    let op = &voucher.operator_id;
    let mut index = vec![
        (
            attr::GSI1PK,
            keys::vouchers_by_status(op, voucher.status.as_str()),
        ),
        (
            attr::GSI1SK,
            keys::voucher_date_sort(voucher.created_at, &voucher.code),
        ),
    ];
    if voucher.status.is_live() {
        index.push((
            attr::GSI2PK,
            keys::router_live_vouchers(op, &voucher.router_id),
        ));
        index.push((attr::GSI2SK, live_lane(voucher).sort_key(&voucher.code)));
        if let Some(at) = voucher.expires_at {
            index.push((attr::GSI3PK, keys::expiry_bucket(op, at)));
            index.push((attr::GSI3SK, keys::expiry_sort(at, &voucher.code)));
        }
    }
    if let (Origin::Pool { ticket_type_id, .. }, VoucherStatus::Unused, None) =
        (&voucher.origin, voucher.status, voucher.expires_at)
    {
        // Unclaimed pool vouchers have no expiry yet, so gsi3 holds the pool; `pool` is what a
        // claim's condition checks.
        index.push((
            attr::GSI3PK,
            keys::router_pool(op, &voucher.router_id, ticket_type_id),
        ));
        index.push((attr::GSI3SK, voucher.code.clone()));
        index.push((POOL_ATTRIBUTE, ticket_type_id.clone()));
    }
    item(voucher, keys::voucher(op, &voucher.code), "voucher", &index)
}

/// The status-count writes for new vouchers (all of one operator), one per status present.
pub(super) fn new_voucher_counts(vouchers: &[Voucher]) -> Vec<Write> {
    let mut by_status: Vec<(&str, i64)> = Vec::new();
    for voucher in vouchers {
        let counted = counted_as(voucher);
        match by_status.iter_mut().find(|(s, _)| *s == counted) {
            Some((_, n)) => *n += 1,
            None => by_status.push((counted, 1)),
        }
    }
    let op = vouchers
        .first()
        .map(|v| v.operator_id.as_str())
        .unwrap_or("");
    by_status
        .into_iter()
        .map(|(status, n)| count_vouchers(op, None, status, n))
        .collect()
}

/// Present (the ticket type id) on unclaimed pool vouchers only.
pub(super) const POOL_ATTRIBUTE: &str = "pool";

/// The voucher is still in the status it was read in, and still counted where it was (an
/// unsold pool voucher, or not): a change that moves its count must not follow a sale from the
/// pool it did not see (the status stays `UNUSED` across that sale).
fn unchanged_since_read(voucher: &Voucher) -> Condition {
    let pool = match (&voucher.origin, voucher.status) {
        (Origin::Pool { ticket_type_id, .. }, VoucherStatus::Unused) => {
            Condition::attr_eq(POOL_ATTRIBUTE, ticket_type_id.as_str())
        }
        _ => Condition::AttrAbsent(POOL_ATTRIBUTE.into()),
    };
    Condition::All(vec![
        Condition::attr_eq("status", voucher.status.as_str()),
        pool,
    ])
}

/// The latest of a voucher's own counters and its history's.
pub fn latest_usage(own: &Usage, history: &[Usage]) -> Usage {
    history
        .iter()
        .chain(std::iter::once(own))
        .max_by_key(|u| u.reported_at)
        .cloned()
        .unwrap_or_default()
}

/// The index changes of a voucher that stops being live: its router drops it, and the expiry
/// sweep no longer looks at it.
pub(super) fn leave_live_indexes() -> [(String, Change); 4] {
    [
        (attr::GSI2PK.into(), Change::Remove),
        (attr::GSI2SK.into(), Change::Remove),
        (attr::GSI3PK.into(), Change::Remove),
        (attr::GSI3SK.into(), Change::Remove),
    ]
}

impl<T: Table> Repository<T> {
    /// Fulfils a PAID order: the voucher, the sale, the day's counters (total, per ticket type,
    /// per router) and the customer's counters, in one transaction. The voucher is new, or
    /// (`claimed`: the count it was in, see `counted_as`) a pool voucher taken over. Fails with `ConditionFailed { index: 0 }` if the
    /// order is not PAID or already has a voucher, and `{ index: 1 }` if the new voucher's code
    /// is taken or the pool voucher was claimed meanwhile.
    pub async fn fulfil_order(
        &self,
        order: &Order,
        voucher: &Voucher,
        sale: &Sale,
        day: &str,
        claimed: Option<&'static str>,
        entry: &AuditEntry,
    ) -> Result<()> {
        let op = &order.operator_id;
        let fulfilled = OrderStatus::Fulfilled;
        let update_order = Write::Update {
            key: keys::order(op, &order.id),
            changes: vec![
                ("status".into(), set(fulfilled)),
                ("voucher_code".into(), set(&voucher.code)),
                (
                    attr::GSI2PK.into(),
                    set(keys::orders_by_status(op, fulfilled.as_str())),
                ),
            ],
            condition: Some(Condition::All(vec![
                Condition::attr_eq("status", OrderStatus::Paid.as_str()),
                Condition::AttrAbsent("voucher_code".into()),
            ])),
        };
        let sale_item = item(
            sale,
            keys::sale(op, day, sale.sold_at, &order.id),
            "sale",
            &[],
        );
        let customer =
            customers::count_purchase(op, order.phone.as_str(), sale.amount, sale.sold_at);
        let mut writes = vec![
            update_order,
            match claimed {
                None => Write::put_new(voucher_item(voucher)),
                // Still in the pool and never used: a voucher someone started using (its code
                // leaked) is never sold.
                Some(_) => Write::Put {
                    item: voucher_item(voucher),
                    condition: Some(Condition::All(vec![
                        Condition::attr_eq(POOL_ATTRIBUTE, voucher.terms.ticket_type_id.as_str()),
                        Condition::attr_eq("status", VoucherStatus::Unused.as_str()),
                    ])),
                },
            },
            Write::put_new(sale_item),
            customer,
        ];
        // A new voucher, or a pool voucher leaving the count it was in (`counted_as`).
        writes.push(count_vouchers(
            op,
            claimed,
            VoucherStatus::Unused.as_str(),
            1,
        ));
        writes.extend(sale_counters(sale, day));
        writes.push(router_changed(op, &voucher.router_id));
        // The plan's monthly voucher count (the operator's month) and the platform's day (UTC).
        writes.push(billing::month_usage_write(
            op,
            &day[..7],
            &[
                ("vouchers_made", 1),
                ("sales", 1),
                ("sales_value", sale.amount.minor()),
            ],
        ));
        self.audited(writes, entry).await?;
        self.count_for_platform(
            sale.sold_at,
            &order.id,
            &[
                ("sales", 1),
                ("sales_value", sale.amount.minor()),
                ("vouchers_made", 1),
            ],
        )
        .await;
        Ok(())
    }

    /// Applies a usage report's change to a voucher, if it is still in the status it was read
    /// in (else `ConditionFailed`: the next report applies on fresh state); a change of counters
    /// is kept as a usage-history item.
    ///
    /// Counters alone (an active voucher used further, nothing else changing) go to the history
    /// item only: rewriting the voucher would rewrite it in its three indexes too, several
    /// times the cost. The voucher's own `usage` is then as of its last change of status;
    /// [`Self::current_usage`] reads the latest.
    ///
    /// A change of status carries the counters on the voucher itself, so its history item is
    /// written after the transaction, not in it (a transaction write costs twice; losing the
    /// history item to a crash loses nothing the voucher does not hold). Its router's change
    /// counter is not bumped: the router's own run that reported the usage plans in full
    /// (`services::routers`), and a used-up user is refused by the router itself (its
    /// `limit-uptime` / `limit-bytes-total`).
    pub async fn apply_voucher_usage(&self, voucher: &Voucher, change: &UsageChange) -> Result<()> {
        let op = &voucher.operator_id;
        let at = change.usage.reported_at.unwrap_or(voucher.created_at);
        let snapshot = item(
            &json!({"status": change.status, "usage": change.usage}),
            keys::voucher_usage(op, &voucher.code, at),
            "usage",
            &[],
        );
        if change.status == voucher.status
            && change.throttled_at.is_none()
            && voucher.status == VoucherStatus::Active
        {
            return Ok(self.table.write(Write::put(snapshot)).await?);
        }
        let mut changes = vec![
            // Any use takes a voucher out of its router's pool for good.
            (POOL_ATTRIBUTE.into(), Change::Remove),
            ("status".into(), set(change.status)),
            ("usage".into(), set(change.usage)),
            (
                attr::GSI1PK.into(),
                set(keys::vouchers_by_status(op, change.status.as_str())),
            ),
        ];
        if let Some(at) = change.activated_at {
            changes.push(("activated_at".into(), set(at)));
        }
        if let Some(at) = change.expires_at {
            changes.push(("expires_at".into(), set(at)));
        }
        if let Some(at) = change.throttled_at {
            changes.push(("throttled_at".into(), set(at)));
        }
        match (change.status.is_live(), change.expires_at) {
            (true, Some(at)) => {
                changes.push((attr::GSI3PK.into(), set(keys::expiry_bucket(op, at))));
                changes.push((
                    attr::GSI3SK.into(),
                    set(keys::expiry_sort(at, &voucher.code)),
                ));
            }
            (true, None) => {}
            (false, _) => changes.extend(leave_live_indexes()),
        }
        let update = Write::Update {
            key: keys::voucher(op, &voucher.code),
            changes,
            condition: Some(unchanged_since_read(voucher)),
        };
        let mut writes = vec![update];
        if change.status != voucher.status {
            writes.push(count_vouchers(
                op,
                Some(counted_as(voucher)),
                change.status.as_str(),
                1,
            ));
        }
        // A printed voucher's first login: its batch counts it redeemed.
        if let (VoucherStatus::Unused, Origin::Batch { batch_id }) =
            (voucher.status, &voucher.origin)
            && change.status != VoucherStatus::Unused
        {
            writes.push(Write::Update {
                key: keys::batch(op, batch_id),
                changes: vec![("redeemed".into(), Change::Add(1))],
                condition: None,
            });
        }
        self.table.transact(writes).await?;
        Ok(self.table.write(Write::put(snapshot)).await?)
    }

    /// A voucher's counters as last reported: the latest of its own and its history's.
    pub async fn current_usage(&self, voucher: &Voucher) -> Result<Usage> {
        let history = self
            .voucher_usage_history(&voucher.operator_id, &voucher.code)
            .await?;
        Ok(latest_usage(&voucher.usage, &history))
    }

    /// A voucher's usage history, oldest first.
    pub async fn voucher_usage_history(&self, operator_id: &str, code: &str) -> Result<Vec<Usage>> {
        let key = keys::voucher(operator_id, code);
        let query = Query::partition(Index::Primary, key.pk).begins_with(keys::USAGE_PREFIX);
        let page = self.table.query(&query).await?;
        page.items
            .into_iter()
            .map(|item| {
                let usage = item.0.get("usage").cloned().unwrap_or_default();
                serde_json::from_value(usage).map_err(|e| StoreError::Corrupt {
                    pk: item.str(attr::PK).unwrap_or("").into(),
                    sk: item.str(attr::SK).unwrap_or("").into(),
                    error: e.to_string(),
                })
            })
            .collect()
    }

    /// Active vouchers in the expiry bucket of `hour`, due up to `due_by`.
    pub async fn vouchers_due(
        &self,
        operator_id: &str,
        hour: Timestamp,
        due_by: Timestamp,
    ) -> Result<Vec<Voucher>> {
        let query = Query::partition(Index::Gsi3, keys::expiry_bucket(operator_id, hour))
            .between("0", format!("{}~", keys::time(due_by)));
        self.query_entities(&query).await
    }

    /// Marks a due voucher expired: an active one whose window ended, or an unused one past
    /// its use-by date (only if still in the status it was read in).
    pub async fn expire_voucher(&self, voucher: &Voucher, now: Timestamp) -> Result<()> {
        // Only a live voucher expires (the write's condition checks it is still as read).
        if !voucher.status.is_live() {
            return Err(super::StoreError::ConditionFailed { index: 0 });
        }
        let op = &voucher.operator_id;
        let expired = VoucherStatus::Expired;
        let changes = [
            ("status".into(), set(expired)),
            (
                attr::GSI1PK.into(),
                set(keys::vouchers_by_status(op, expired.as_str())),
            ),
            ("expired_at".into(), set(now)),
            (POOL_ATTRIBUTE.into(), Change::Remove),
        ]
        .into_iter()
        .chain(leave_live_indexes())
        .collect();
        let write = Write::Update {
            key: keys::voucher(op, &voucher.code),
            changes,
            condition: Some(unchanged_since_read(voucher)),
        };
        let count = count_vouchers(op, Some(counted_as(voucher)), expired.as_str(), 1);
        let changed = router_changed(op, &voucher.router_id);
        Ok(self.table.transact(vec![write, count, changed]).await?)
    }

    /// Until when the operator's vouchers have been swept (`None` before the first sweep).
    pub async fn expiry_swept_until(&self, operator_id: &str) -> Result<Option<Timestamp>> {
        let item = self.table.get(&keys::expiry_sweep(operator_id)).await?;
        Ok(item.and_then(|i| i.str("swept_until").and_then(|t| t.parse().ok())))
    }

    pub async fn set_expiry_swept_until(&self, operator_id: &str, at: Timestamp) -> Result<()> {
        let item = item(
            &json!({"swept_until": at}),
            keys::expiry_sweep(operator_id),
            "expiry_sweep",
            &[],
        );
        Ok(self.table.write(Write::put(item)).await?)
    }

    /// When every pool was last topped up in full (`None`: never).
    pub async fn pools_refilled_at(&self) -> Result<Option<Timestamp>> {
        let item = self.table.get(&keys::pool_refill_mark()).await?;
        Ok(item.and_then(|i| i.str("at").and_then(|t| t.parse().ok())))
    }

    pub async fn set_pools_refilled_at(&self, at: Timestamp) -> Result<()> {
        let item = item(
            &json!({"at": at}),
            keys::pool_refill_mark(),
            "pool_refill",
            &[],
        );
        Ok(self.table.write(Write::put(item)).await?)
    }

    /// Withdraws an unclaimed pool voucher (its router drops it at the next sync).
    pub async fn cancel_pool_voucher(&self, voucher: &Voucher, now: Timestamp) -> Result<()> {
        let op = &voucher.operator_id;
        let cancelled = VoucherStatus::Cancelled;
        let changes = [
            ("status".into(), set(cancelled)),
            ("cancel_reason".into(), set("pool terms changed")),
            ("cancelled_at".into(), set(now)),
            (
                attr::GSI1PK.into(),
                set(keys::vouchers_by_status(op, cancelled.as_str())),
            ),
            (POOL_ATTRIBUTE.into(), Change::Remove),
        ]
        .into_iter()
        .chain(leave_live_indexes())
        .collect();
        let ticket_type = voucher.terms.ticket_type_id.as_str();
        // Unclaimed pool vouchers are unused: the pool attribute goes at the first use.
        let write = Write::Update {
            key: keys::voucher(op, &voucher.code),
            changes,
            condition: Some(Condition::attr_eq(POOL_ATTRIBUTE, ticket_type)),
        };
        let count = count_vouchers(op, Some(POOL_COUNT), cancelled.as_str(), 1);
        let changed = router_changed(op, &voucher.router_id);
        match self.table.transact(vec![write, count, changed]).await {
            // Claimed by a sale meanwhile: it is no pool voucher any more.
            Ok(()) | Err(TableError::ConditionFailed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Unclaimed pool vouchers of a router for a ticket type, at most `limit`.
    pub async fn pool_vouchers(
        &self,
        operator_id: &str,
        router_id: &str,
        ticket_type_id: &str,
        limit: usize,
    ) -> Result<Vec<Voucher>> {
        let partition = keys::router_pool(operator_id, router_id, ticket_type_id);
        self.query_entities(&Query::partition(Index::Gsi3, partition).limit(limit))
            .await
    }

    /// Creates vouchers whose codes must be new, in transactions of up to 100 (each code's
    /// "must not exist" condition is what makes codes unique; a batch write cannot carry it).
    /// Returns how many were created before a failure; on a taken code the failing chunk
    /// writes nothing (`ConditionFailed { index }` within that chunk).
    pub async fn create_vouchers(&self, vouchers: &[Voucher]) -> Result<usize> {
        let mut created = 0;
        let mut by_router: BTreeMap<&str, Vec<&Voucher>> = BTreeMap::new();
        for voucher in vouchers {
            by_router
                .entry(&voucher.router_id)
                .or_default()
                .push(voucher);
        }
        for (router_id, of_router) in by_router {
            // Two writes of each transaction: the status counts, the router's change counter.
            for chunk in of_router.chunks(MAX_TRANSACTION_WRITES - 2) {
                let chunk: Vec<Voucher> = chunk.iter().map(|v| (*v).clone()).collect();
                let mut writes: Vec<Write> = chunk
                    .iter()
                    .map(|v| Write::put_new(voucher_item(v)))
                    .collect();
                writes.extend(new_voucher_counts(&chunk));
                let op = chunk.first().map(|v| v.operator_id.as_str()).unwrap_or("");
                writes.push(router_changed(op, router_id));
                self.table.transact(writes).await?;
                created += chunk.len();
            }
        }
        Ok(created)
    }

    /// Vouchers of one status whose index sort key (`<created>#<code>`) lies in
    /// `low..=high`, newest first, with their sort keys (the listing's cursor).
    pub async fn vouchers_in_status(
        &self,
        operator_id: &str,
        status: VoucherStatus,
        low: &str,
        high: &str,
        limit: usize,
    ) -> Result<Vec<(String, Voucher)>> {
        let partition = keys::vouchers_by_status(operator_id, status.as_str());
        self.newest_up_to(Index::Gsi1, partition, low, high, limit)
            .await
    }

    /// Cancels a voucher that is unused or in use, with the reason and the audit entry (its
    /// router drops it at the next sync). `ConditionFailed { index: 0 }`: its status changed.
    pub async fn cancel_voucher(
        &self,
        voucher: &Voucher,
        reason: &str,
        entry: &AuditEntry,
    ) -> Result<()> {
        let op = &voucher.operator_id;
        let cancelled = VoucherStatus::Cancelled;
        let changes = [
            ("status".into(), set(cancelled)),
            ("cancel_reason".into(), set(reason)),
            ("cancelled_at".into(), set(entry.at)),
            (
                attr::GSI1PK.into(),
                set(keys::vouchers_by_status(op, cancelled.as_str())),
            ),
            (POOL_ATTRIBUTE.into(), Change::Remove),
        ]
        .into_iter()
        .chain(leave_live_indexes())
        .collect();
        let writes = vec![
            Write::Update {
                key: keys::voucher(op, &voucher.code),
                changes,
                condition: Some(unchanged_since_read(voucher)),
            },
            count_vouchers(op, Some(counted_as(voucher)), cancelled.as_str(), 1),
            router_changed(op, &voucher.router_id),
        ];
        self.audited(writes, entry).await
    }

    pub async fn voucher(&self, operator_id: &str, code: &str) -> Result<Option<Voucher>> {
        self.get_entity(&keys::voucher(operator_id, code)).await
    }

    /// Cancels a voucher nobody has used yet (its router drops it at the next sync). `false`
    /// when it was no longer unused (in use, over, or cancelled already).
    pub async fn cancel_unused_voucher(
        &self,
        operator_id: &str,
        code: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let cancelled = VoucherStatus::Cancelled;
        let changes = [
            ("status".into(), set(cancelled)),
            ("cancel_reason".into(), set(reason)),
            ("cancelled_at".into(), set(now)),
            (
                attr::GSI1PK.into(),
                set(keys::vouchers_by_status(operator_id, cancelled.as_str())),
            ),
            (POOL_ATTRIBUTE.into(), Change::Remove),
        ]
        .into_iter()
        .chain(leave_live_indexes())
        .collect();
        let write = Write::Update {
            key: keys::voucher(operator_id, code),
            changes,
            condition: Some(Condition::attr_eq("status", VoucherStatus::Unused.as_str())),
        };
        let count = count_vouchers(
            operator_id,
            Some(VoucherStatus::Unused.as_str()),
            cancelled.as_str(),
            1,
        );
        match self.table.transact(vec![write, count]).await {
            Ok(()) => Ok(true),
            Err(TableError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
