//! Getting a voucher back: the order page, and lookup by phone number plus a code the customer
//! holds (the payment's confirmation code, e.g. the M-Pesa receipt, or the order code).

use super::{Platform, ServiceError, Tiketi};
use crate::domain::{
    order::{Order, OrderStatus},
    phone::Msisdn,
    voucher::Voucher,
};

impl<P: Platform> Tiketi<P> {
    /// An order and, once issued, its voucher.
    pub async fn order_with_voucher(
        &self,
        operator_id: &str,
        order_id: &str,
    ) -> Result<(Order, Option<Voucher>), ServiceError> {
        let order = self
            .store
            .order(operator_id, order_id)
            .await?
            .ok_or(ServiceError::NotFound("order"))?;
        let voucher = match &order.voucher_code {
            Some(code) => self.store.voucher(operator_id, code).await?,
            None => None,
        };
        Ok((order, voucher))
    }

    /// Finds the customer's paid order matching `code` (confirmation code or order code,
    /// compared ignoring case, spaces and dashes) and its voucher.
    pub async fn recover_voucher(
        &self,
        operator_id: &str,
        phone: &str,
        code: &str,
    ) -> Result<Option<(Order, Voucher)>, ServiceError> {
        let phone = Msisdn::parse(phone).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let wanted = normalize(code);
        if wanted.len() < 4 {
            return Err(ServiceError::Invalid(
                "enter the code from your payment message or order".into(),
            ));
        }
        for order in self
            .store
            .customer_orders(operator_id, phone.as_str(), 50)
            .await?
        {
            let matches = normalize(&order.code) == wanted
                || order
                    .confirmation_code
                    .as_deref()
                    .is_some_and(|c| normalize(c) == wanted);
            if matches
                && order.status == OrderStatus::Fulfilled
                && let (order, Some(voucher)) =
                    self.order_with_voucher(operator_id, &order.id).await?
            {
                return Ok(Some((order, voucher)));
            }
        }
        Ok(None)
    }
}

fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
