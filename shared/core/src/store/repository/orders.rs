//! Orders, their payment events and the customers' order history.

use crate::domain::audit::AuditEntry;
use jiff::Timestamp;
use serde_json::json;

use super::{
    Repository, Result, customers, item,
    sales::{count_vouchers, reversal_counters},
    set,
    unmatched::unmatched_write,
    vouchers::leave_live_indexes,
};
use crate::{
    domain::{
        order::{Order, OrderStatus},
        payment::PaymentEvent,
        unmatched::UnmatchedPayment,
        voucher::VoucherStatus,
    },
    ports::table::{Condition, Index, Item, Query, Table, Write, attr},
    store::keys,
};

/// What a reversal changes besides the order: the day whose totals count the returned money,
/// and the voucher to cancel if it was never used.
#[derive(Debug, Clone, PartialEq)]
pub struct Reversal {
    pub day: String,
    pub cancel_voucher: Option<String>,
    /// Filed in the inbox when the voucher was already in use (it keeps working).
    pub unmatched: Option<UnmatchedPayment>,
    /// The audit log's record of the reversal.
    pub entry: AuditEntry,
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

impl<T: Table> Repository<T> {
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

    /// Orders in `status` whose index sort key (`<created>#<order>`) is at most `high`, newest
    /// first, with their sort keys (the listing's cursor).
    pub async fn orders_in_status_up_to(
        &self,
        operator_id: &str,
        status: OrderStatus,
        high: &str,
        limit: usize,
    ) -> Result<Vec<(String, Order)>> {
        let partition = keys::orders_by_status(operator_id, status.as_str());
        self.newest_up_to(Index::Gsi2, partition, "", high, limit)
            .await
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
    /// (`ConditionFailed { index: 2 }` if that voucher was meanwhile used).
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
                writes.push(count_vouchers(
                    op,
                    Some(VoucherStatus::Unused.as_str()),
                    cancelled.as_str(),
                    1,
                ));
                writes.push(super::routers::router_changed(op, &order.router_id));
            }
            if let Some(payment) = &reversal.unmatched {
                writes.push(unmatched_write(payment));
            }
            writes.extend(reversal_counters(order, &reversal.day));
            writes.push(super::audit::audit_write(&reversal.entry));
            // The buyer's totals drop with the returned money (a fulfilled order counted them).
            if from == OrderStatus::Fulfilled {
                writes.push(customers::uncount_purchase(
                    op,
                    order.phone.as_str(),
                    order.amount,
                ));
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
}
