//! The operator's checkout orders: listed newest first (all statuses merged, or one), and one
//! order with its payment events (what Pesapal said, and when).

use futures::future::try_join_all;

use super::{
    Platform, ServiceError, Tiketi,
    paging::{Page, decode_cursor, newest_first, page_limit, reads_for, upper_bound},
};
use crate::domain::{
    order::{Order, OrderStatus},
    payment::PaymentEvent,
};

impl<P: Platform> Tiketi<P> {
    /// One page of orders in `status` (every status when `None`), newest first.
    pub async fn orders(
        &self,
        operator_id: &str,
        status: Option<OrderStatus>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Order>, ServiceError> {
        let limit = page_limit(limit)?;
        let after = cursor.map(|c| decode_cursor(c, 'o')).transpose()?;
        let high = upper_bound("~".into(), after.as_ref());
        let statuses = match status {
            Some(status) => vec![status],
            None => OrderStatus::ALL.to_vec(),
        };
        let reads = statuses.into_iter().map(|s| {
            self.store
                .orders_in_status_up_to(operator_id, s, &high, reads_for(limit))
        });
        let rows = try_join_all(reads).await?.into_iter().flatten().collect();
        Ok(newest_first(rows, after.as_ref(), limit, 'o'))
    }

    /// An order and its payment events, oldest first.
    pub async fn order_details(
        &self,
        operator_id: &str,
        order_id: &str,
    ) -> Result<(Order, Vec<PaymentEvent>), ServiceError> {
        let order = self
            .store
            .order(operator_id, order_id)
            .await?
            .ok_or(ServiceError::NotFound("order"))?;
        let events = self.store.payment_events(operator_id, order_id).await?;
        Ok((order, events))
    }
}
