//! Customers: one profile item per buyer with counters kept by every sale's transaction, the
//! links of their history (orders, cash purchases) in the same partition, and an index of the
//! operator's customers, most recent buyer first.

use jiff::Timestamp;
use serde_json::Value;

use super::{Repository, Result, set};
use crate::{
    domain::{customer::Customer, money::Money, order::Order},
    ports::table::{Change, Index, Item, Query, Table, Write, attr},
    store::keys,
};

/// The write that counts a purchase on the buyer's profile (created at the first) and moves
/// the buyer to the top of the customer list; part of the sale's transaction.
pub(super) fn count_purchase(op: &str, phone: &str, amount: Money, at: Timestamp) -> Write {
    let (gsi1pk, gsi1sk) = keys::customer_index(op, phone, at);
    Write::Update {
        key: keys::customer(op, phone),
        changes: vec![
            ("entity".into(), set("customer")),
            ("phone".into(), set(phone)),
            ("purchases".into(), Change::Add(1)),
            ("spent_minor".into(), Change::Add(amount.minor())),
            ("last_purchase_at".into(), set(at)),
            (attr::GSI1PK.into(), set(gsi1pk)),
            (attr::GSI1SK.into(), set(gsi1sk)),
        ],
        condition: None,
    }
}

/// The write that takes back a purchase whose money was returned (a reversal), in the
/// reversal's transaction; the buyer keeps their place in the list. Unconditional: nothing may
/// stop a reversal from being recorded (a fulfilled order's sale wrote the profile anyway).
pub(super) fn uncount_purchase(op: &str, phone: &str, amount: Money) -> Write {
    Write::Update {
        key: keys::customer(op, phone),
        changes: vec![
            ("purchases".into(), Change::Add(-1)),
            ("spent_minor".into(), Change::Add(-amount.minor())),
        ],
        condition: None,
    }
}

impl<T: Table> Repository<T> {
    pub async fn customer(&self, operator_id: &str, phone: &str) -> Result<Option<Customer>> {
        self.get_entity(&keys::customer(operator_id, phone)).await
    }

    /// Customers whose index sort key (`<last purchase>#<phone>`) is at most `high`, most
    /// recent buyer first, with their sort keys (the listing's cursor).
    pub async fn customers(
        &self,
        operator_id: &str,
        high: &str,
        limit: usize,
    ) -> Result<Vec<(String, Customer)>> {
        let partition = keys::customers_partition(operator_id);
        self.newest_up_to(Index::Gsi1, partition, "", high, limit)
            .await
    }

    /// The links of a customer's history whose sort key is at most `high`, newest first: an
    /// online order's link holds `order_id`, a cash purchase's `voucher_code`.
    pub async fn customer_links(
        &self,
        operator_id: &str,
        phone: &str,
        high: &str,
        limit: usize,
    ) -> Result<Vec<Item>> {
        let low = keys::CUSTOMER_ORDER_PREFIX.to_owned();
        let high = high.max(low.as_str()).to_owned();
        let query = Query::partition(Index::Primary, keys::customer_partition(operator_id, phone))
            .between(low, high)
            .descending()
            .limit(limit);
        Ok(self.table.query(&query).await?.items)
    }

    /// The codes of the vouchers a customer bought, online or for cash, newest first.
    pub async fn customer_voucher_codes(
        &self,
        operator_id: &str,
        phone: &str,
        limit: usize,
    ) -> Result<Vec<String>> {
        let mut codes = Vec::new();
        for link in self
            .customer_links(operator_id, phone, keys::CUSTOMER_ORDER_END, limit)
            .await?
        {
            if let Some(code) = link.str("voucher_code") {
                codes.push(code.to_owned());
            } else if let Some(order_id) = link.str("order_id")
                && let Some(code) = self
                    .order(operator_id, order_id)
                    .await?
                    .and_then(|o| o.voucher_code)
            {
                codes.push(code);
            }
        }
        Ok(codes)
    }

    /// The orders a customer placed at the checkout, newest first.
    pub async fn customer_orders(
        &self,
        operator_id: &str,
        phone: &str,
        limit: usize,
    ) -> Result<Vec<Order>> {
        let mut orders = Vec::new();
        for link in self
            .customer_links(operator_id, phone, keys::CUSTOMER_ORDER_END, limit)
            .await?
        {
            if let Some(order_id) = link.str("order_id")
                && let Some(order) = self.order(operator_id, order_id).await?
            {
                orders.push(order);
            }
        }
        Ok(orders)
    }
}

/// The sort key of a history link (its cursor).
pub fn link_sort_key(link: &Item) -> String {
    link.0
        .get(attr::SK)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
