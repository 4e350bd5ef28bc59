//! The captive-portal checkout: list packages, start an order, hand it to the gateway.
//!
//! The order is stored PENDING *before* the gateway is called, with a reference that is never
//! reused, so a slow or failing gateway loses nothing: the customer retries with a new order,
//! and a submitted order is found again by IPN, callback or reconciliation.

use rand::Rng;
use tracing::{info, instrument, warn};

use super::{Platform, ServiceError, Tiketi};
use crate::{
    domain::{
        catalog::{Operator, Router, TicketTerms, TicketType},
        order::{Order, OrderStatus},
        phone::Msisdn,
        voucher_code::ALPHABET,
    },
    ports::{
        Clock, PaymentGateway,
        gateway::{GatewayError, MerchantAccount, PaymentRequest},
    },
    store::{IpnRegistration, StoreError},
};

/// What the checkout page of one router shows.
#[derive(Debug, Clone)]
pub struct Storefront {
    pub operator: Operator,
    pub router: Router,
    pub ticket_types: Vec<TicketType>,
    /// Whether the operator's subscription lets it sell online now (not restricted, not
    /// suspended, its monthly vouchers not used up). Vouchers already sold keep working.
    pub selling: bool,
}

/// A customer's order as the checkout form submits it. Nothing here is trusted: the ticket
/// type must be the operator's and sold at the router, and the price comes from the store.
#[derive(Debug, Clone, Default)]
pub struct OrderForm {
    pub operator_id: String,
    pub router_id: String,
    pub ticket_type_id: String,
    pub phone: String,
    pub email: Option<String>,
    pub mac: Option<String>,
    pub login_url: Option<String>,
    pub original_url: Option<String>,
    pub language: String,
}

const ORDER_CODE_LENGTH: usize = 8;
/// Pesapal's error code for invalid fields, among them an unknown `notification_id`.
const INVALID_PARAMETERS: &str = "invalid_api_request_parameters";

impl<P: Platform> Tiketi<P> {
    /// The operator, router and packages of a router's checkout.
    pub async fn storefront(
        &self,
        operator_id: &str,
        router_id: &str,
    ) -> Result<Storefront, ServiceError> {
        let operator = self
            .store
            .operator(operator_id)
            .await?
            .ok_or(ServiceError::NotFound("hotspot"))?;
        let router = self
            .store
            .router(operator_id, router_id)
            .await?
            .ok_or(ServiceError::NotFound("hotspot"))?;
        let ticket_types = self
            .store
            .ticket_types(operator_id)
            .await?
            .into_iter()
            .filter(|t| t.sold_at(router_id))
            .collect();
        let selling = match self.may_sell_online(&operator).await {
            Ok(()) => true,
            Err(ServiceError::PlanLimit(_) | ServiceError::Restricted(_)) => false,
            Err(other) => return Err(other),
        };
        Ok(Storefront {
            operator,
            router,
            ticket_types,
            selling,
        })
    }

    /// Stores a PENDING order for the form; the price is the stored ticket type's.
    #[instrument(skip_all, fields(operator_id = %form.operator_id, router_id = %form.router_id))]
    pub async fn create_order(&self, form: &OrderForm) -> Result<Order, ServiceError> {
        let phone = Msisdn::parse(&form.phone).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let email = form
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        if let Some(email) = email
            && (email.len() > 254 || !email.contains('@') || email.contains(char::is_whitespace))
        {
            return Err(ServiceError::Invalid("not an email address".into()));
        }
        let storefront = self.storefront(&form.operator_id, &form.router_id).await?;
        if !storefront.selling {
            return Err(ServiceError::Restricted(
                "online sales are temporarily unavailable at this hotspot".into(),
            ));
        }
        let ticket = storefront
            .ticket_types
            .iter()
            .find(|t| t.id == form.ticket_type_id)
            .ok_or(ServiceError::NotFound("package"))?;
        let id = ulid::Ulid::new().to_string();
        let code = {
            let mut rng = rand::rng();
            (0..ORDER_CODE_LENGTH)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect()
        };
        let order = Order {
            reference: Order::reference_for(&id),
            id,
            code,
            operator_id: storefront.operator.id.clone(),
            router_id: storefront.router.id.clone(),
            terms: TicketTerms::from(ticket),
            amount: ticket.price,
            currency: storefront.operator.currency.clone(),
            phone,
            email: email.map(str::to_owned),
            mac: clean(form.mac.as_deref(), 32),
            login_url: form
                .login_url
                .as_deref()
                .filter(|u| is_http_url(u))
                .and_then(|u| clean(Some(u), 512)),
            original_url: form
                .original_url
                .as_deref()
                .filter(|u| is_http_url(u))
                .and_then(|u| clean(Some(u), 1024)),
            language: if form.language == "sw" {
                "sw".into()
            } else {
                "en".into()
            },
            status: OrderStatus::Pending,
            tracking_id: None,
            redirect_url: None,
            confirmation_code: None,
            payment_method: None,
            voucher_code: None,
            created_at: self.clock.now(),
            paid_at: None,
        };
        self.store.create_order(&order).await?;
        info!(order_id = %order.id, amount = order.amount.minor(), "order created");
        Ok(order)
    }

    /// Submits a stored PENDING order to the gateway and returns where to send the customer.
    #[instrument(skip_all, fields(order_id = %order.id))]
    pub async fn submit_order(&self, order: &Order) -> Result<String, ServiceError> {
        let merchant = self.merchant_for(&order.operator_id).await?;
        let notification_id = self.ipn_id(&order.operator_id, &merchant, None).await?;
        let operator = self
            .store
            .operator(&order.operator_id)
            .await?
            .ok_or(ServiceError::NotFound("hotspot"))?;
        let description: String = format!("{} - {}", operator.business_name, order.terms.name)
            .chars()
            .take(100)
            .collect();
        let mut request = PaymentRequest {
            merchant_reference: order.reference.clone(),
            amount: order.amount,
            currency: order.currency.clone(),
            description,
            callback_url: self.settings.callback_url(&order.operator_id, &order.id),
            cancellation_url: Some(
                self.settings
                    .cancellation_url(&order.operator_id, &order.id),
            ),
            notification_id,
            phone_number: order.phone.as_str().to_owned(),
            email: order.email.clone(),
            country_code: operator.country_code.clone(),
        };
        let mut submitted = self.gateway.submit_order(&merchant, &request).await;
        if let Err(GatewayError::Rejected { code, .. }) = &submitted
            && code == INVALID_PARAMETERS
        {
            // The gateway may have forgotten our IPN registration (a reset sandbox, a deleted
            // URL): register again and retry once. A rejected order was not created, so the
            // same reference is still unused.
            warn!("gateway rejected the order; registering the IPN URL again and retrying once");
            let stale = request.notification_id.clone();
            request.notification_id = self
                .ipn_id(&order.operator_id, &merchant, Some(&stale))
                .await?;
            submitted = self.gateway.submit_order(&merchant, &request).await;
        }
        let submitted = submitted.inspect_err(|error| {
            warn!(%error, "gateway refused or did not answer the order; it stays pending without a tracking id");
        })?;
        self.store
            .set_order_submitted(order, &submitted.tracking_id, &submitted.redirect_url)
            .await?;
        info!(tracking_id = %submitted.tracking_id, "order submitted to the gateway");
        Ok(submitted.redirect_url)
    }

    /// The `notification_id` of the operator's merchant account, registering the IPN URL once
    /// (or again, when the stored one is the `stale` id the gateway just refused).
    pub(crate) async fn ipn_id(
        &self,
        operator_id: &str,
        merchant: &MerchantAccount,
        stale: Option<&str>,
    ) -> Result<String, ServiceError> {
        let account = merchant.fingerprint();
        let url = self.settings.ipn_url(operator_id);
        let existing = self.store.ipn_registration(operator_id, &account).await?;
        let usable = |e: &&IpnRegistration| e.url == url && Some(e.ipn_id.as_str()) != stale;
        if let Some(existing) = existing.as_ref().filter(usable) {
            return Ok(existing.ipn_id.clone());
        }
        let method = self.settings.ipn_method;
        let ipn_id = self.gateway.register_ipn(merchant, &url, method).await?;
        let registration = IpnRegistration {
            ipn_id,
            url,
            method: method.as_str().into(),
            registered_at: self.clock.now(),
        };
        match self
            .store
            .save_ipn_registration(operator_id, &account, &registration, existing.as_ref())
            .await
        {
            Ok(()) => Ok(registration.ipn_id),
            // A concurrent request registered first: both ids are valid; keep using the stored one.
            Err(StoreError::ConditionFailed { .. }) => {
                let stored = self.store.ipn_registration(operator_id, &account).await?;
                Ok(stored.map_or(registration.ipn_id, |s| s.ipn_id))
            }
            Err(e) => Err(e.into()),
        }
    }
}

fn clean(value: Option<&str>, max: usize) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= max)
        .map(str::to_owned)
}

fn is_http_url(url: &str) -> bool {
    let url = url.trim();
    (url.starts_with("http://") || url.starts_with("https://"))
        && !url.contains(char::is_whitespace)
}
