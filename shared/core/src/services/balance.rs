//! A customer's look at one voucher: its status and what is left, by its code. Open to anyone
//! on the hotspot, so it is rate-limited per client and per operator (against guessing codes)
//! and shows nothing but that voucher's own state.

use super::{Platform, ServiceError, Tiketi};
use crate::domain::{
    catalog::Operator,
    rate_limit::{BALANCE_PER_CLIENT, BALANCE_PER_OPERATOR},
    voucher::Voucher,
    voucher_code::VoucherCode,
};

impl<P: Platform> Tiketi<P> {
    /// The voucher `code` names at `operator_id`, for the balance page; `client` is the
    /// asking client's address. Every look counts, found or not.
    pub async fn voucher_balance(
        &self,
        operator_id: &str,
        client: &str,
        code: &str,
    ) -> Result<(Operator, Voucher), ServiceError> {
        let operator = self
            .store
            .operator(operator_id)
            .await?
            .ok_or(ServiceError::NotFound("hotspot"))?;
        self.rate_limit(&BALANCE_PER_CLIENT, client).await?;
        self.rate_limit(&BALANCE_PER_OPERATOR, operator_id).await?;
        let code = VoucherCode::parse(code).map_err(|_| ServiceError::NotFound("voucher"))?;
        let voucher = self
            .store
            .voucher(operator_id, code.as_str())
            .await?
            .ok_or(ServiceError::NotFound("voucher"))?;
        Ok((operator, voucher))
    }
}
