//! Customers of an operator: the list (most recent buyer first) and one buyer's history, with
//! what they spent. The counters come from the sale transactions (`store::customers`), so a
//! customer's total is never a sum over their purchases at read time.

use futures::future::try_join_all;

use super::{
    Platform, ServiceError, Tiketi,
    paging::{Page, decode_cursor, newest_first, page_limit, reads_for, upper_bound},
};
use crate::{
    domain::{
        customer::{Customer, Purchase},
        ledger::Channel,
        phone::Msisdn,
    },
    ports::table::Item,
    store::{keys, link_sort_key},
};

/// A customer and one page of their purchases.
#[derive(Debug, Clone)]
pub struct CustomerHistory {
    pub customer: Customer,
    pub purchases: Page<Purchase>,
}

impl<P: Platform> Tiketi<P> {
    /// One page of the operator's customers, most recent buyer first.
    pub async fn customers(
        &self,
        operator_id: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Customer>, ServiceError> {
        let limit = page_limit(limit)?;
        let after = cursor.map(|c| decode_cursor(c, 'c')).transpose()?;
        let high = upper_bound("~".into(), after.as_ref());
        let rows = self
            .store
            .customers(operator_id, &high, reads_for(limit))
            .await?;
        Ok(newest_first(rows, after.as_ref(), limit, 'c'))
    }

    /// A customer by phone number (any way it is written) with a page of their purchases.
    pub async fn customer_history(
        &self,
        operator_id: &str,
        phone: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<CustomerHistory, ServiceError> {
        let phone = Msisdn::parse(phone).map_err(|_| ServiceError::NotFound("customer"))?;
        let customer = self
            .store
            .customer(operator_id, phone.as_str())
            .await?
            .ok_or(ServiceError::NotFound("customer"))?;
        let limit = page_limit(limit)?;
        let after = cursor.map(|c| decode_cursor(c, 'h')).transpose()?;
        let high = upper_bound(keys::CUSTOMER_ORDER_END.into(), after.as_ref());
        let links = self
            .store
            .customer_links(operator_id, phone.as_str(), &high, reads_for(limit))
            .await?;
        // The page is decided on the links, so a link whose order is gone cannot end the
        // listing early; such a link is then left out of its page.
        let rows = links.into_iter().map(|l| (link_sort_key(&l), l)).collect();
        let page = newest_first(rows, after.as_ref(), limit, 'h');
        let reads = page
            .items
            .iter()
            .map(|link| self.purchase(operator_id, link));
        let purchases = Page {
            items: try_join_all(reads).await?.into_iter().flatten().collect(),
            next: page.next,
        };
        Ok(CustomerHistory {
            customer,
            purchases,
        })
    }

    /// What a history link stands for: the order it names, or the voucher sold for cash.
    async fn purchase(
        &self,
        operator_id: &str,
        link: &Item,
    ) -> Result<Option<Purchase>, ServiceError> {
        if let Some(order_id) = link.str("order_id") {
            let Some(order) = self.store.order(operator_id, order_id).await? else {
                return Ok(None);
            };
            return Ok(Some(Purchase {
                at: order.created_at,
                channel: Channel::Online,
                order_id: Some(order.id.clone()),
                status: order.status.as_str().to_ascii_lowercase(),
                ticket_name: order.terms.name.clone(),
                amount: order.amount,
                voucher_code: order.voucher_code.clone(),
                confirmation_code: order.confirmation_code.clone(),
            }));
        }
        let Some(code) = link.str("voucher_code") else {
            return Ok(None);
        };
        let Some(voucher) = self.store.voucher(operator_id, code).await? else {
            return Ok(None);
        };
        Ok(Some(Purchase {
            at: voucher.sold_at.unwrap_or(voucher.created_at),
            channel: Channel::Cash,
            order_id: None,
            status: "sold".into(),
            ticket_name: voucher.terms.name.clone(),
            amount: voucher.terms.price,
            voucher_code: Some(voucher.code.clone()),
            confirmation_code: None,
        }))
    }
}
