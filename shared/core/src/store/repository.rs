//! Typed access to the single table. Each method is one access pattern of `docs/data-model.md`;
//! multi-item changes are single transactions, so a crash never leaves half of one behind.

use jiff::Timestamp;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

use super::keys;
use crate::{
    domain::{
        catalog::{Operator, Router, TicketType},
        order::{Order, OrderStatus},
        payment::PaymentEvent,
        voucher::{Origin, Sale, Usage, UsageChange, Voucher, VoucherStatus},
    },
    ports::table::{
        Change, Condition, Cursor, Index, Item, Key, MAX_TRANSACTION_WRITES, Query, Table,
        TableError, Write, attr,
    },
};

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

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The merchant account's IPN registration at the gateway.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IpnRegistration {
    pub ipn_id: String,
    pub url: String,
    pub method: String,
    pub registered_at: Timestamp,
}

/// The Tiketi hotspot users a router last reported holding, and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouterInventory {
    /// The users of the last complete report.
    pub users: Vec<String>,
    pub reported_at: Timestamp,
    /// Users of the pages of a report still being received (`page`/`last`).
    #[serde(default)]
    pub incoming: Vec<String>,
}

/// What a reversal changes besides the order: the day whose totals count the returned money,
/// and the voucher to cancel if it was never used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reversal {
    pub day: String,
    pub cancel_voucher: Option<String>,
}

/// Sales counters of one business day (all, or one ticket type / router). Reversals are
/// counted apart: net revenue is `amount_minor - reversed_minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayTotals {
    pub count: i64,
    pub amount_minor: i64,
    pub reversed_count: i64,
    pub reversed_minor: i64,
}

/// Builds an item from an entity, its key, its type tag and index attributes.
fn item<E: Serialize>(entity: &E, key: Key, kind: &str, index: &[(&str, String)]) -> Item {
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

fn entity<E: DeserializeOwned>(item: Item) -> Result<E> {
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

fn order_index(order: &Order) -> Vec<(&'static str, String)> {
    let mut index = vec![
        (
            attr::GSI2PK,
            keys::orders_by_status(&order.operator_id, order.status.as_str()),
        ),
        (
            attr::GSI2SK,
            keys::order_status_sort(order.created_at, &order.id),
        ),
    ];
    if let Some(tracking) = &order.tracking_id {
        let (pk, sk) = keys::order_by_tracking(&order.operator_id, tracking);
        index.push((attr::GSI1PK, pk));
        index.push((attr::GSI1SK, sk));
    }
    index
}

fn voucher_item(voucher: &Voucher) -> Item {
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
        index.push((attr::GSI2SK, voucher.code.clone()));
        if let Some(at) = voucher.expires_at {
            index.push((attr::GSI3PK, keys::expiry_bucket(op, at)));
            index.push((attr::GSI3SK, keys::expiry_sort(at, &voucher.code)));
        }
    }
    if let (Origin::Pool { ticket_type_id }, VoucherStatus::Unused, None) =
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

/// Present (the ticket type id) on unclaimed pool vouchers only.
const POOL_ATTRIBUTE: &str = "pool";

/// The index changes of a voucher that stops being live: its router drops it, and the expiry
/// sweep no longer looks at it.
fn leave_live_indexes() -> [(String, Change); 4] {
    [
        (attr::GSI2PK.into(), Change::Remove),
        (attr::GSI2SK.into(), Change::Remove),
        (attr::GSI3PK.into(), Change::Remove),
        (attr::GSI3SK.into(), Change::Remove),
    ]
}

fn set(value: impl Serialize) -> Change {
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

    async fn query_entities<E: DeserializeOwned>(&self, query: &Query) -> Result<Vec<E>> {
        let mut out = Vec::new();
        let mut query = query.clone();
        loop {
            let page = self.table.query(&query).await?;
            for item in page.items {
                out.push(entity(item)?);
            }
            match (page.next, query.limit) {
                (Some(next), None) => query.after = Some(next),
                _ => return Ok(out),
            }
        }
    }

    // --- operators, routers, ticket types ---

    /// Creates an operator; fails with `ConditionFailed` if the id exists.
    pub async fn create_operator(&self, operator: &Operator) -> Result<()> {
        self.create_operator_with(operator, &[], &[]).await
    }

    /// Creates an operator together with its routers and ticket types, all or nothing; fails
    /// with `ConditionFailed { index: 0 }` if the operator exists.
    pub async fn create_operator_with(
        &self,
        operator: &Operator,
        routers: &[Router],
        ticket_types: &[TicketType],
    ) -> Result<()> {
        let operator_item = item(
            operator,
            keys::operator(&operator.id),
            "operator",
            &[
                (attr::GSI1PK, keys::OPERATORS_PARTITION.into()),
                (attr::GSI1SK, operator.id.clone()),
            ],
        );
        let mut writes = vec![Write::put_new(operator_item)];
        writes.extend(
            routers
                .iter()
                .map(|r| Write::put(item(r, keys::router(&r.operator_id, &r.id), "router", &[]))),
        );
        writes.extend(ticket_types.iter().map(|t| {
            Write::put(item(
                t,
                keys::ticket_type(&t.operator_id, &t.id),
                "ticket_type",
                &[],
            ))
        }));
        Ok(self.table.transact(writes).await?)
    }

    pub async fn operator(&self, id: &str) -> Result<Option<Operator>> {
        self.get_entity(&keys::operator(id)).await
    }

    /// Every operator (for scheduled passes only; tenant-facing code never lists operators).
    pub async fn operators(&self) -> Result<Vec<Operator>> {
        self.query_entities(&Query::partition(Index::Gsi1, keys::OPERATORS_PARTITION))
            .await
    }

    pub async fn put_router(&self, router: &Router) -> Result<()> {
        let item = item(
            router,
            keys::router(&router.operator_id, &router.id),
            "router",
            &[],
        );
        Ok(self.table.write(Write::put(item)).await?)
    }

    pub async fn router(&self, operator_id: &str, id: &str) -> Result<Option<Router>> {
        self.get_entity(&keys::router(operator_id, id)).await
    }

    pub async fn routers(&self, operator_id: &str) -> Result<Vec<Router>> {
        let query = Query::partition(Index::Primary, keys::operator_partition(operator_id))
            .begins_with(keys::ROUTER_PREFIX);
        self.query_entities(&query).await
    }

    pub async fn put_ticket_type(&self, ticket: &TicketType) -> Result<()> {
        let key = keys::ticket_type(&ticket.operator_id, &ticket.id);
        Ok(self
            .table
            .write(Write::put(item(ticket, key, "ticket_type", &[])))
            .await?)
    }

    pub async fn ticket_type(&self, operator_id: &str, id: &str) -> Result<Option<TicketType>> {
        self.get_entity(&keys::ticket_type(operator_id, id)).await
    }

    /// The operator's ticket types, in display order.
    pub async fn ticket_types(&self, operator_id: &str) -> Result<Vec<TicketType>> {
        let query = Query::partition(Index::Primary, keys::operator_partition(operator_id))
            .begins_with(keys::TICKET_TYPE_PREFIX);
        let mut types: Vec<TicketType> = self.query_entities(&query).await?;
        types.sort_by_key(|t| (t.sort_order, t.price));
        Ok(types)
    }

    pub async fn ipn_registration(
        &self,
        operator_id: &str,
        account: &str,
    ) -> Result<Option<IpnRegistration>> {
        self.get_entity(&keys::ipn_registration(operator_id, account))
            .await
    }

    /// Saves a registration: the first of an account, or one `replacing` a stale one. A
    /// concurrent writer makes this fail with `ConditionFailed`; the caller reads the winner.
    pub async fn save_ipn_registration(
        &self,
        operator_id: &str,
        account: &str,
        registration: &IpnRegistration,
        replacing: Option<&IpnRegistration>,
    ) -> Result<()> {
        let key = keys::ipn_registration(operator_id, account);
        let condition = match replacing {
            None => Condition::NotExists,
            Some(old) => Condition::attr_eq("ipn_id", old.ipn_id.as_str()),
        };
        let item = item(registration, key, "ipn_registration", &[]);
        Ok(self
            .table
            .write(Write::Put {
                item,
                condition: Some(condition),
            })
            .await?)
    }

    // --- orders ---

    /// Stores a new order with its link in the customer's history, atomically.
    pub async fn create_order(&self, order: &Order) -> Result<()> {
        let op = &order.operator_id;
        let link = keys::customer_order(op, order.phone.as_str(), order.created_at, &order.id);
        let link = item(
            &json!({"order_id": order.id, "code": order.code, "reference": order.reference}),
            link,
            "customer_order",
            &[],
        );
        let order_item = item(
            order,
            keys::order(op, &order.id),
            "order",
            &order_index(order),
        );
        Ok(self
            .table
            .transact(vec![Write::put_new(order_item), Write::put_new(link)])
            .await?)
    }

    pub async fn order(&self, operator_id: &str, id: &str) -> Result<Option<Order>> {
        self.get_entity(&keys::order(operator_id, id)).await
    }

    /// The order a gateway tracking id belongs to (GSI: may lag a just-submitted order).
    pub async fn order_by_tracking_id(
        &self,
        operator_id: &str,
        tracking_id: &str,
    ) -> Result<Option<Order>> {
        let (pk, _) = keys::order_by_tracking(operator_id, tracking_id);
        let query = Query::partition(Index::Gsi1, pk).limit(1);
        Ok(self.query_entities(&query).await?.pop())
    }

    /// Orders in `status` created in `[created_from, created_to]`, oldest first.
    pub async fn orders_in_status(
        &self,
        operator_id: &str,
        status: OrderStatus,
        created_from: Timestamp,
        created_to: Timestamp,
        limit: usize,
    ) -> Result<Vec<Order>> {
        let partition = keys::orders_by_status(operator_id, status.as_str());
        let query = Query::partition(Index::Gsi2, partition)
            .between(
                keys::time(created_from),
                format!("{}~", keys::time(created_to)),
            )
            .limit(limit);
        self.query_entities(&query).await
    }

    /// Records the gateway's acceptance of a pending order.
    pub async fn set_order_submitted(
        &self,
        order: &Order,
        tracking_id: &str,
        redirect_url: &str,
    ) -> Result<()> {
        let (gsi1pk, gsi1sk) = keys::order_by_tracking(&order.operator_id, tracking_id);
        let write = Write::Update {
            key: keys::order(&order.operator_id, &order.id),
            changes: vec![
                ("tracking_id".into(), set(tracking_id)),
                ("redirect_url".into(), set(redirect_url)),
                (attr::GSI1PK.into(), set(gsi1pk)),
                (attr::GSI1SK.into(), set(gsi1sk)),
            ],
            condition: Some(Condition::All(vec![
                Condition::Exists,
                Condition::AttrAbsent("tracking_id".into()),
            ])),
        };
        Ok(self.table.write(write).await?)
    }

    /// Moves an order from `from` to `to` and records the payment event, atomically; fails
    /// with `ConditionFailed { index: 0 }` if the order is no longer in `from`. A reversal also
    /// counts the returned money and cancels the unused voucher in the same transaction
    /// (`ConditionFailed { index: 3 }` if that voucher was meanwhile used).
    pub async fn transition_order(
        &self,
        order: &Order,
        from: OrderStatus,
        to: OrderStatus,
        event: &PaymentEvent,
        reversal: Option<&Reversal>,
    ) -> Result<()> {
        let mut changes = vec![
            ("status".into(), set(to)),
            (
                attr::GSI2PK.into(),
                set(keys::orders_by_status(&order.operator_id, to.as_str())),
            ),
        ];
        if let Some(code) = &event.confirmation_code {
            changes.push(("confirmation_code".into(), set(code)));
        }
        if let Some(method) = &event.payment_method {
            changes.push(("payment_method".into(), set(method)));
        }
        if to == OrderStatus::Paid {
            changes.push(("paid_at".into(), set(event.received_at)));
        }
        let update = Write::Update {
            key: keys::order(&order.operator_id, &order.id),
            changes,
            condition: Some(Condition::attr_eq("status", from.as_str())),
        };
        let mut writes = vec![update, Write::put_new(self.event_item(event))];
        if let Some(reversal) = reversal {
            let op = &order.operator_id;
            writes.push(Write::Update {
                key: keys::day_total(op, &reversal.day),
                changes: vec![
                    ("reversed_count".into(), Change::Add(1)),
                    ("reversed_minor".into(), Change::Add(order.amount.minor())),
                    ("entity".into(), set("day_total")),
                ],
                condition: None,
            });
            if let Some(code) = &reversal.cancel_voucher {
                let cancelled = VoucherStatus::Cancelled;
                writes.push(Write::Update {
                    key: keys::voucher(op, code),
                    changes: vec![
                        ("status".into(), set(cancelled)),
                        ("cancel_reason".into(), set("payment reversed")),
                        ("cancelled_at".into(), set(event.received_at)),
                        (
                            attr::GSI1PK.into(),
                            set(keys::vouchers_by_status(op, cancelled.as_str())),
                        ),
                    ]
                    .into_iter()
                    .chain(leave_live_indexes())
                    .collect(),
                    condition: Some(Condition::attr_eq("status", VoucherStatus::Unused.as_str())),
                });
            }
        }
        Ok(self.table.transact(writes).await?)
    }

    fn event_item(&self, event: &PaymentEvent) -> Item {
        let key = keys::payment_event(
            &event.operator_id,
            &event.order_id,
            event.received_at,
            &event.id,
        );
        item(event, key, "payment_event", &[])
    }

    /// Records a payment event that changed nothing.
    pub async fn record_payment_event(&self, event: &PaymentEvent) -> Result<()> {
        Ok(self
            .table
            .write(Write::put_new(self.event_item(event)))
            .await?)
    }

    pub async fn payment_events(
        &self,
        operator_id: &str,
        order_id: &str,
    ) -> Result<Vec<PaymentEvent>> {
        let query = Query::partition(Index::Primary, keys::order_partition(operator_id, order_id))
            .begins_with(keys::PAYMENT_EVENT_PREFIX);
        self.query_entities(&query).await
    }

    /// The orders a customer placed, newest first (their code and reference).
    pub async fn customer_orders(
        &self,
        operator_id: &str,
        msisdn: &str,
        limit: usize,
    ) -> Result<Vec<Order>> {
        let query = Query::partition(
            Index::Primary,
            keys::customer_partition(operator_id, msisdn),
        )
        .begins_with(keys::CUSTOMER_ORDER_PREFIX)
        .descending()
        .limit(limit);
        let page = self.table.query(&query).await?;
        let mut orders = Vec::new();
        for link in page.items {
            if let Some(order_id) = link.str("order_id")
                && let Some(order) = self.order(operator_id, order_id).await?
            {
                orders.push(order);
            }
        }
        Ok(orders)
    }

    // --- issuance ---

    /// Fulfils a PAID order: the voucher, the sale, the day's counters (total, per ticket type,
    /// per router) and the customer's counters, in one transaction. The voucher is new, or
    /// (`claimed`) a pool voucher taken over. Fails with `ConditionFailed { index: 0 }` if the
    /// order is not PAID or already has a voucher, and `{ index: 1 }` if the new voucher's code
    /// is taken or the pool voucher was claimed meanwhile.
    pub async fn fulfil_order(
        &self,
        order: &Order,
        voucher: &Voucher,
        sale: &Sale,
        day: &str,
        claimed: bool,
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
        let counter = |key: Key| Write::Update {
            key,
            changes: vec![
                ("count".into(), Change::Add(1)),
                ("amount_minor".into(), Change::Add(sale.amount.minor())),
                ("entity".into(), set("day_total")),
            ],
            condition: None,
        };
        let customer = Write::Update {
            key: keys::customer(op, order.phone.as_str()),
            changes: vec![
                ("entity".into(), set("customer")),
                ("phone".into(), set(order.phone.as_str())),
                ("purchases".into(), Change::Add(1)),
                ("spent_minor".into(), Change::Add(sale.amount.minor())),
                ("last_purchase_at".into(), set(sale.sold_at)),
            ],
            condition: None,
        };
        let writes = vec![
            update_order,
            match claimed {
                false => Write::put_new(voucher_item(voucher)),
                // Still in the pool and never used: a voucher someone started using (its code
                // leaked) is never sold.
                true => Write::Put {
                    item: voucher_item(voucher),
                    condition: Some(Condition::All(vec![
                        Condition::attr_eq(POOL_ATTRIBUTE, voucher.terms.ticket_type_id.as_str()),
                        Condition::attr_eq("status", VoucherStatus::Unused.as_str()),
                    ])),
                },
            },
            Write::put_new(sale_item),
            counter(keys::day_total(op, day)),
            counter(keys::day_total_by_ticket_type(
                op,
                day,
                &sale.ticket_type_id,
            )),
            counter(keys::day_total_by_router(op, day, &sale.router_id)),
            customer,
        ];
        Ok(self.table.transact(writes).await?)
    }

    /// Applies a usage report's change to a voucher, if it is still in the status it was read
    /// in (else `ConditionFailed`: the next report applies on fresh state); a change of counters
    /// is kept as a usage-history item.
    pub async fn apply_voucher_usage(&self, voucher: &Voucher, change: &UsageChange) -> Result<()> {
        let op = &voucher.operator_id;
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
            condition: Some(Condition::attr_eq("status", voucher.status.as_str())),
        };
        let at = change.usage.reported_at.unwrap_or(voucher.created_at);
        let snapshot = item(
            &json!({"status": change.status, "usage": change.usage}),
            keys::voucher_usage(op, &voucher.code, at),
            "usage",
            &[],
        );
        Ok(self
            .table
            .transact(vec![update, Write::put(snapshot)])
            .await?)
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

    /// Marks an active voucher expired (only if still active and due by `now`).
    pub async fn expire_voucher(&self, voucher: &Voucher, now: Timestamp) -> Result<()> {
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
            condition: Some(Condition::attr_eq("status", VoucherStatus::Active.as_str())),
        };
        Ok(self.table.write(write).await?)
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

    /// Records which Tiketi users a router reported holding.
    pub async fn save_router_inventory(
        &self,
        operator_id: &str,
        router_id: &str,
        inventory: &RouterInventory,
    ) -> Result<()> {
        let key = keys::router_inventory(operator_id, router_id);
        Ok(self
            .table
            .write(Write::put(item(inventory, key, "router_inventory", &[])))
            .await?)
    }

    pub async fn router_inventory(
        &self,
        operator_id: &str,
        router_id: &str,
    ) -> Result<Option<RouterInventory>> {
        self.get_entity(&keys::router_inventory(operator_id, router_id))
            .await
    }

    /// The vouchers a router should hold (unused or active), by code; a page of `limit` after
    /// the code `after`.
    pub async fn router_live_vouchers(
        &self,
        operator_id: &str,
        router_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Voucher>> {
        let partition = keys::router_live_vouchers(operator_id, router_id);
        let mut query = Query::partition(Index::Gsi2, partition).limit(limit);
        query.after = after.map(|code| Cursor {
            key: keys::voucher(operator_id, code),
            range: code.to_owned(),
        });
        self.query_entities(&query).await
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
        let write = Write::Update {
            key: keys::voucher(op, &voucher.code),
            changes,
            condition: Some(Condition::attr_eq(POOL_ATTRIBUTE, ticket_type)),
        };
        match self.table.write(write).await {
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
        for chunk in vouchers.chunks(MAX_TRANSACTION_WRITES) {
            let writes = chunk
                .iter()
                .map(|v| Write::put_new(voucher_item(v)))
                .collect();
            self.table.transact(writes).await?;
            created += chunk.len();
        }
        Ok(created)
    }

    pub async fn voucher(&self, operator_id: &str, code: &str) -> Result<Option<Voucher>> {
        self.get_entity(&keys::voucher(operator_id, code)).await
    }

    pub async fn sales_of_day(&self, operator_id: &str, day: &str) -> Result<Vec<Sale>> {
        let query = Query::partition(Index::Primary, keys::sales_day(operator_id, day))
            .begins_with(keys::SALE_PREFIX);
        self.query_entities(&query).await
    }

    pub async fn day_totals(&self, operator_id: &str, day: &str) -> Result<DayTotals> {
        let item = self.table.get(&keys::day_total(operator_id, day)).await?;
        Ok(item.map_or_else(DayTotals::default, |item| DayTotals {
            count: item.int("count").unwrap_or(0),
            amount_minor: item.int("amount_minor").unwrap_or(0),
            reversed_count: item.int("reversed_count").unwrap_or(0),
            reversed_minor: item.int("reversed_minor").unwrap_or(0),
        }))
    }

    /// A customer's purchase counters: (purchases, spent in minor units).
    pub async fn customer_totals(
        &self,
        operator_id: &str,
        msisdn: &str,
    ) -> Result<Option<(i64, i64)>> {
        let item = self.table.get(&keys::customer(operator_id, msisdn)).await?;
        Ok(item.map(|i| {
            (
                i.int("purchases").unwrap_or(0),
                i.int("spent_minor").unwrap_or(0),
            )
        }))
    }
}
