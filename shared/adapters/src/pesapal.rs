//! Pesapal API 3.0 client: the [`PaymentGateway`] adapter, for real Pesapal and for the
//! sandbox stand-in of `tiketi-local` alike.
//!
//! Follows Pesapal's API 3.0 as `docs/pesapal.md` describes it (developer.pesapal.com, and what
//! integrators observed where the documentation is silent). What matters most, because
//! integrations get it wrong:
//! - every answer is judged on its JSON body (`error.code`, the *string* `status`,
//!   `status_code`), never on the HTTP status alone: Pesapal sends business errors and even an
//!   unpaid order's status with HTTP 500;
//! - `error` is read leniently (`error_type` or `type`, members may be null);
//! - bearer tokens live 5 minutes: they are cached per key and secret, refreshed a minute before
//!   `expiryDate`, and dropped and fetched again once when a call answers
//!   `invalid_api_credentials_provided`;
//! - money never goes through floating point: amounts are sent as a JSON number made from
//!   [`Money::decimal`] and read back through [`Money::parse_decimal`] on their text.

use std::{
    collections::HashMap,
    fmt,
    str::FromStr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use jiff::{Timestamp, civil::DateTime, tz::TimeZone};
use reqwest::{
    Method, Url,
    header::{ACCEPT, CONTENT_TYPE},
};
use serde_json::{Map, Value, json};
use tiketi_core::{
    domain::money::Money,
    ports::gateway::{
        GatewayError, IpnMethod, MerchantAccount, PaymentGateway, PaymentRequest, PaymentState,
        SubmittedPayment, TransactionStatus,
    },
};
use tracing::{debug, instrument, warn};

/// Pesapal's sandbox ("demo") environment.
pub const SANDBOX_BASE_URL: &str = "https://cybqa.pesapal.com/pesapalv3";
/// Pesapal's live environment.
pub const LIVE_BASE_URL: &str = "https://pay.pesapal.com/v3";

/// A token is refreshed this long before its `expiryDate`.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// How long a token is used when its `expiryDate` is unusable (issued + 4 minutes).
const FALLBACK_LIFETIME: Duration = Duration::from_secs(4 * 60);

const BAD_KEYS: &str = "invalid_consumer_key_or_secret_provided";
const BAD_TOKEN: &str = "invalid_api_credentials_provided";
const PENDING: &str = "payment_details_not_found";

/// The Pesapal API 3.0 client. Cheap to clone: clones share the HTTP pool and the token cache.
#[derive(Clone)]
pub struct PesapalClient {
    inner: Arc<Inner>,
}

struct Inner {
    base_url: String,
    timeout: Duration,
    /// Made at the first call: building one loads the system's root certificates, which the
    /// functions that never call Pesapal (and every cold start) should not wait for.
    http: std::sync::OnceLock<reqwest::Client>,
    /// One slot per key and secret; a slot's lock is held while its token is fetched, so
    /// concurrent calls of one merchant share one RequestToken and merchants don't wait on
    /// each other.
    tokens: Mutex<HashMap<String, TokenSlot>>,
}

type TokenSlot = Arc<tokio::sync::Mutex<Option<CachedToken>>>;

struct CachedToken {
    token: String,
    refresh_at: Instant,
}

impl fmt::Debug for PesapalClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PesapalClient")
            .field("base_url", &self.inner.base_url)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl PesapalClient {
    /// A client for the API at `base_url` (e.g. [`SANDBOX_BASE_URL`]; endpoints are under
    /// `{base_url}/api/`). `timeout` bounds each HTTP exchange.
    pub fn new(base_url: &str, timeout: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                base_url: base_url.trim_end_matches('/').to_owned(),
                timeout,
                http: std::sync::OnceLock::new(),
                tokens: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/{path}", self.inner.base_url)
    }

    /// A merchant's slot, by key *and* secret: a token fetched with one secret is never handed
    /// to a caller holding another (operators enter their own keys).
    fn slot(&self, merchant: &MerchantAccount) -> TokenSlot {
        let id = merchant.credentials_digest();
        let mut slots = self
            .inner
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(id).or_default())
    }

    /// A valid bearer token for the merchant, from the cache or a fresh RequestToken.
    async fn token(&self, merchant: &MerchantAccount) -> Result<String, GatewayError> {
        self.token_with(merchant, false).await
    }

    /// `fresh`: ask Pesapal even when a cached token is still good.
    async fn token_with(
        &self,
        merchant: &MerchantAccount,
        fresh: bool,
    ) -> Result<String, GatewayError> {
        let slot = self.slot(merchant);
        let mut cached = slot.lock().await;
        if let Some(token) = cached
            .as_ref()
            .filter(|t| !fresh && Instant::now() < t.refresh_at)
        {
            return Ok(token.token.clone());
        }
        let body = json!({
            "consumer_key": merchant.consumer_key,
            "consumer_secret": merchant.consumer_secret,
        });
        let issued = Instant::now();
        let answer = self
            .send(
                Method::POST,
                &self.url("Auth/RequestToken"),
                None,
                Some(&body),
            )
            .await?;
        let (token, lifetime) = parse_token(&answer, Timestamp::now())?;
        let merchant_id = merchant.fingerprint();
        debug!(merchant = %merchant_id, lifetime_s = lifetime.as_secs(), "got a Pesapal token");
        *cached = Some(CachedToken {
            token: token.clone(),
            refresh_at: issued + lifetime,
        });
        Ok(token)
    }

    /// Drops the cached token if it is still `used` (another call may have replaced it).
    async fn forget_token(&self, merchant: &MerchantAccount, used: &str) {
        let slot = self.slot(merchant);
        let mut cached = slot.lock().await;
        if cached.as_ref().is_some_and(|t| t.token == used) {
            *cached = None;
        }
    }

    /// An authenticated call; on `invalid_api_credentials_provided` the token is replaced and
    /// the call made once more. Returns the parsed body, whatever it says.
    async fn call(
        &self,
        merchant: &MerchantAccount,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Value, GatewayError> {
        let mut retried = false;
        loop {
            let token = self.token(merchant).await?;
            let answer = self.send(method.clone(), url, Some(&token), body).await?;
            if api_error(&answer).is_some_and(|e| e.code == BAD_TOKEN) {
                self.forget_token(merchant, &token).await;
                if !retried {
                    let merchant_id = merchant.fingerprint();
                    warn!(merchant = %merchant_id, "Pesapal refused the token; retrying once with a new one");
                    retried = true;
                    continue;
                }
            }
            return Ok(answer);
        }
    }

    /// One HTTP exchange; the body is parsed as JSON whatever the HTTP status.
    async fn send(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, GatewayError> {
        let mut request = self
            .inner
            .http
            .get_or_init(reqwest::Client::new)
            .request(method, url)
            .timeout(self.inner.timeout)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        parse_body(status.as_u16(), &bytes)
    }

    fn transport_error(&self, error: &reqwest::Error) -> GatewayError {
        if error.is_builder() {
            GatewayError::Protocol(format!("could not build the request: {error}"))
        } else if error.is_timeout() {
            GatewayError::Unreachable(format!(
                "no answer within {:?}: {error}",
                self.inner.timeout
            ))
        } else {
            GatewayError::Unreachable(error.to_string())
        }
    }
}

impl PaymentGateway for PesapalClient {
    #[instrument(skip_all, fields(merchant = %merchant.fingerprint()))]
    async fn verify_credentials(&self, merchant: &MerchantAccount) -> Result<(), GatewayError> {
        self.token_with(merchant, true).await.map(|_| ())
    }

    #[instrument(skip_all, fields(merchant = %merchant.fingerprint(), method = method.as_str()))]
    async fn register_ipn(
        &self,
        merchant: &MerchantAccount,
        url: &str,
        method: IpnMethod,
    ) -> Result<String, GatewayError> {
        let body = json!({ "url": url, "ipn_notification_type": method.as_str() });
        let answer = self
            .call(
                merchant,
                Method::POST,
                &self.url("URLSetup/RegisterIPN"),
                Some(&body),
            )
            .await?;
        parse_ipn_id(&answer)
    }

    #[instrument(
        skip_all,
        fields(merchant = %merchant.fingerprint(), reference = %request.merchant_reference)
    )]
    async fn submit_order(
        &self,
        merchant: &MerchantAccount,
        request: &PaymentRequest,
    ) -> Result<SubmittedPayment, GatewayError> {
        let body = order_body(request)?;
        let url = self.url("Transactions/SubmitOrderRequest");
        let answer = self.call(merchant, Method::POST, &url, Some(&body)).await?;
        parse_submitted(&answer)
    }

    #[instrument(skip_all, fields(merchant = %merchant.fingerprint(), %tracking_id))]
    async fn transaction_status(
        &self,
        merchant: &MerchantAccount,
        tracking_id: &str,
    ) -> Result<TransactionStatus, GatewayError> {
        let mut url = Url::parse(&self.url("Transactions/GetTransactionStatus")).map_err(|e| {
            GatewayError::Protocol(format!("bad base URL {}: {e}", self.inner.base_url))
        })?;
        url.query_pairs_mut()
            .append_pair("orderTrackingId", tracking_id);
        let answer = self.call(merchant, Method::GET, url.as_str(), None).await?;
        parse_status(&answer)
    }
}

/// The SubmitOrderRequest body. Optional fields are left out rather than sent empty.
fn order_body(request: &PaymentRequest) -> Result<Value, GatewayError> {
    let decimal = request.amount.decimal();
    let amount = serde_json::Number::from_str(&decimal).map_err(|e| {
        GatewayError::Protocol(format!("amount {decimal} is not a JSON number: {e}"))
    })?;
    fn put(map: &mut Map<String, Value>, key: &str, value: &str) {
        if !value.trim().is_empty() {
            map.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    }
    let mut billing = Map::new();
    put(&mut billing, "phone_number", &request.phone_number);
    put(
        &mut billing,
        "email_address",
        request.email.as_deref().unwrap_or_default(),
    );
    put(&mut billing, "country_code", &request.country_code);
    let mut body = Map::new();
    put(&mut body, "id", &request.merchant_reference);
    put(&mut body, "currency", &request.currency);
    body.insert("amount".into(), Value::Number(amount));
    put(&mut body, "description", &request.description);
    put(&mut body, "callback_url", &request.callback_url);
    put(
        &mut body,
        "cancellation_url",
        request.cancellation_url.as_deref().unwrap_or_default(),
    );
    put(&mut body, "notification_id", &request.notification_id);
    body.insert("billing_address".into(), Value::Object(billing));
    Ok(Value::Object(body))
}

/// Parses a body as JSON. A non-JSON answer is a protocol error, except a gateway/proxy
/// failure page (502/503/504), which means Pesapal itself did not answer.
fn parse_body(http_status: u16, bytes: &[u8]) -> Result<Value, GatewayError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let text = String::from_utf8_lossy(bytes);
        let snippet: String = text.chars().take(200).collect();
        if matches!(http_status, 502..=504) {
            GatewayError::Unreachable(format!("HTTP {http_status} without a JSON body: {snippet}"))
        } else {
            GatewayError::Protocol(format!(
                "HTTP {http_status}, body is not JSON ({e}): {snippet}"
            ))
        }
    })
}

/// Pesapal's `error` object, read leniently.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ApiError {
    error_type: Option<String>,
    code: String,
    message: String,
}

impl ApiError {
    fn into_gateway_error(self) -> GatewayError {
        if self.code == BAD_KEYS {
            GatewayError::Credentials(if self.message.is_empty() {
                self.code
            } else {
                self.message
            })
        } else {
            GatewayError::Rejected {
                code: self.code,
                message: self.message,
            }
        }
    }
}

/// The body's error, if it names one (an `error` whose members are all null is no error).
/// Also finds an error wrapped as JSON text in `message`, as some answers were seen to do.
fn api_error(body: &Value) -> Option<ApiError> {
    fn from_object(error: &Value) -> Option<ApiError> {
        let code = text(error.get("code"))?;
        Some(ApiError {
            error_type: text(error.get("error_type")).or_else(|| text(error.get("type"))),
            code,
            message: text(error.get("message")).unwrap_or_default(),
        })
    }
    body.get("error").and_then(from_object).or_else(|| {
        let wrapped: Value = serde_json::from_str(body.get("message")?.as_str()?).ok()?;
        wrapped.get("error").and_then(from_object)
    })
}

/// A field as non-empty text: strings (trimmed) and numbers; null and `""` are `None`.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Fails on a named error, or on a `status` other than `"200"`.
fn check(body: &Value) -> Result<(), GatewayError> {
    if let Some(error) = api_error(body) {
        return Err(error.into_gateway_error());
    }
    match text(body.get("status")) {
        Some(status) if status != "200" => Err(GatewayError::Rejected {
            code: format!("status_{status}"),
            message: text(body.get("message")).unwrap_or_default(),
        }),
        _ => Ok(()),
    }
}

/// The token and how long to use it, from a RequestToken answer received at `now`.
fn parse_token(body: &Value, now: Timestamp) -> Result<(String, Duration), GatewayError> {
    check(body)?;
    let token = text(body.get("token"))
        .ok_or_else(|| GatewayError::Protocol("RequestToken answer without a token".into()))?;
    let lifetime = text(body.get("expiryDate"))
        .and_then(|expiry| parse_expiry(&expiry))
        .and_then(|expiry| Duration::try_from(expiry.duration_since(now)).ok())
        .and_then(|left| left.checked_sub(REFRESH_MARGIN))
        .filter(|usable| !usable.is_zero())
        .unwrap_or(FALLBACK_LIFETIME);
    Ok((token, lifetime))
}

/// `expiryDate` as RFC 3339 (up to 9 fractional digits); without an offset it is taken as UTC.
fn parse_expiry(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| {
        TimeZone::UTC
            .to_timestamp(text.parse::<DateTime>().ok()?)
            .ok()
    })
}

fn parse_ipn_id(body: &Value) -> Result<String, GatewayError> {
    check(body)?;
    text(body.get("ipn_id"))
        .ok_or_else(|| GatewayError::Protocol("RegisterIPN answer without an ipn_id".into()))
}

fn parse_submitted(body: &Value) -> Result<SubmittedPayment, GatewayError> {
    check(body)?;
    let field = |name: &str| {
        text(body.get(name)).ok_or_else(|| {
            GatewayError::Protocol(format!("SubmitOrderRequest answer without {name}"))
        })
    };
    Ok(SubmittedPayment {
        tracking_id: field("order_tracking_id")?,
        redirect_url: field("redirect_url")?,
    })
}

/// A GetTransactionStatus answer. A known `status_code` is the verdict, so the unpaid-order
/// shape (`status_code` 0, `payment_details_not_found`, `"status":"500"`) is `Pending`.
fn parse_status(body: &Value) -> Result<TransactionStatus, GatewayError> {
    let error = api_error(body);
    if let Some(error) = error
        .as_ref()
        .filter(|e| e.code == BAD_KEYS || e.code == BAD_TOKEN)
    {
        return Err(error.clone().into_gateway_error());
    }
    let status_code = body.get("status_code").and_then(|v| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let Some(state) = status_code.and_then(PaymentState::from_status_code) else {
        if let Some(error) = error {
            return Err(error.into_gateway_error());
        }
        check(body)?;
        return Err(GatewayError::Protocol(format!(
            "GetTransactionStatus answer without a known status_code ({status_code:?})"
        )));
    };
    if state == PaymentState::Pending
        && let Some(error) = error.filter(|e| e.code != PENDING)
    {
        debug!(code = %error.code, "status_code 0 with an unexpected error; still pending");
    }
    let amount = match text(body.get("amount")) {
        None => None,
        Some(amount) => {
            let parsed = Money::parse_decimal(&amount);
            if parsed.is_none() {
                warn!(%amount, "unusable amount in a Pesapal status");
            }
            parsed
        }
    };
    Ok(TransactionStatus {
        state,
        merchant_reference: text(body.get("merchant_reference")),
        amount,
        currency: text(body.get("currency")),
        confirmation_code: text(body.get("confirmation_code")),
        payment_method: text(body.get("payment_method")),
        description: text(body.get("description"))
            .or_else(|| text(body.get("payment_status_code"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn token_answer_gives_the_token_and_a_lifetime_a_minute_short_of_expiry() {
        let body = json!({
            "token": "eyJhbGciOi.x.y",
            "expiryDate": "2021-08-26T12:29:30.5177702Z",
            "error": null,
            "status": "200",
            "message": "Request processed successfully"
        });
        let (token, lifetime) = parse_token(&body, at("2021-08-26T12:24:30.5177702Z")).unwrap();
        assert_eq!(token, "eyJhbGciOi.x.y");
        assert_eq!(lifetime, Duration::from_secs(240));
    }

    #[test]
    fn token_lifetime_falls_back_to_four_minutes() {
        let now = at("2021-08-26T12:24:30Z");
        for expiry in [
            json!("not a date"),
            json!(null),
            json!("2021-08-26T12:24:59Z"),
        ] {
            let body =
                json!({ "token": "t", "expiryDate": expiry, "error": null, "status": "200" });
            assert_eq!(
                parse_token(&body, now).unwrap().1,
                FALLBACK_LIFETIME,
                "{expiry}"
            );
        }
        let zoneless =
            json!({ "token": "t", "expiryDate": "2021-08-26T12:29:30.5177702", "status": "200" });
        assert_eq!(
            parse_token(&zoneless, now).unwrap().1,
            Duration::from_nanos(240_517_770_200)
        );
    }

    #[test]
    fn wrong_keys_are_a_credentials_error() {
        let body = json!({
            "error": { "error_type": "api_error", "code": "invalid_consumer_key_or_secret_provided", "message": "" },
            "status": "500"
        });
        assert!(matches!(
            parse_token(&body, Timestamp::now()),
            Err(GatewayError::Credentials(_))
        ));
    }

    #[test]
    fn error_bodies_are_read_with_error_type_or_type() {
        let real = json!({
            "error": {
                "error_type": "invalid_request_error",
                "code": "invalid_api_request_parameters",
                "message": "Invalid IPN URL ID provided.Check format and try again"
            },
            "status": "500"
        });
        let documented = json!({
            "error": { "type": "api_error", "code": "missing_mandatory_billing_address", "message": null },
            "status": "500"
        });
        assert_eq!(
            api_error(&real),
            Some(ApiError {
                error_type: Some("invalid_request_error".into()),
                code: "invalid_api_request_parameters".into(),
                message: "Invalid IPN URL ID provided.Check format and try again".into(),
            })
        );
        assert_eq!(
            api_error(&documented).unwrap().error_type.as_deref(),
            Some("api_error")
        );
        match parse_submitted(&real) {
            Err(GatewayError::Rejected { code, message }) => {
                assert_eq!(code, "invalid_api_request_parameters");
                assert!(message.starts_with("Invalid IPN URL ID"));
            }
            other => panic!("{other:?}"),
        }
        match parse_ipn_id(&documented) {
            Err(GatewayError::Rejected { code, message }) => {
                assert_eq!(code, "missing_mandatory_billing_address");
                assert_eq!(message, "");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn all_null_error_and_null_error_are_no_error() {
        assert_eq!(
            api_error(&json!({ "error": { "error_type": null, "code": null, "message": null } })),
            None
        );
        assert_eq!(api_error(&json!({ "error": null, "status": "200" })), None);
        let wrapped = json!({ "message": "{\"error\":{\"code\":\"x\",\"message\":\"y\"},\"status\":\"500\"}" });
        assert_eq!(api_error(&wrapped).unwrap().code, "x");
    }

    #[test]
    fn register_ipn_reads_only_the_ipn_id() {
        let body = json!({
            "id": 1234, "url": "https://example.com/ipn", "created_date": "2024-06-14T07:50:22.2825997Z",
            "ipn_id": "84740ab4-3cd9-47da-8a4f-dd1db53494b5", "notification_type": 0,
            "ipn_notification_type_description": "GET", "ipn_status": 1, "ipn_status_decription": "Active",
            "error": null, "status": "200"
        });
        assert_eq!(
            parse_ipn_id(&body).unwrap(),
            "84740ab4-3cd9-47da-8a4f-dd1db53494b5"
        );
    }

    #[test]
    fn submitted_order_gives_tracking_id_and_redirect() {
        let body = json!({
            "order_tracking_id": "b945e4af-80a5-4ec1-8706-e03f8332fb04", "merchant_reference": "TEST1515111119",
            "redirect_url": "https://cybqa.pesapal.com/pesapaliframe/PesapalIframe3/Index/?OrderTrackingId=b945e4af-80a5-4ec1-8706-e03f8332fb04",
            "error": null, "status": "200"
        });
        let submitted = parse_submitted(&body).unwrap();
        assert_eq!(
            submitted.tracking_id,
            "b945e4af-80a5-4ec1-8706-e03f8332fb04"
        );
        assert!(
            submitted
                .redirect_url
                .ends_with("OrderTrackingId=b945e4af-80a5-4ec1-8706-e03f8332fb04")
        );
    }

    #[test]
    fn completed_status_is_read_in_full() {
        let body = json!({
            "payment_method": "MpesaKE", "amount": 1500.5, "created_date": "2022-04-30T07:41:09.763",
            "confirmation_code": "SJK3L9XQ2T", "order_tracking_id": "b945e4af-80a5-4ec1-8706-e03f8332fb04",
            "payment_status_description": "Completed", "description": null,
            "message": "Request processed successfully", "payment_account": "2547xxx73984",
            "call_back_url": "https://t.example/cb?OrderTrackingId=b945e4af&OrderMerchantReference=WV-1",
            "status_code": 1, "merchant_reference": "WV-1", "account_number": null, "payment_status_code": "",
            "currency": "KES", "error": { "error_type": null, "code": null, "message": null, "call_back_url": null },
            "status": "200"
        });
        assert_eq!(
            parse_status(&body).unwrap(),
            TransactionStatus {
                state: PaymentState::Completed,
                merchant_reference: Some("WV-1".into()),
                amount: Some(Money(150_050)),
                currency: Some("KES".into()),
                confirmation_code: Some("SJK3L9XQ2T".into()),
                payment_method: Some("MpesaKE".into()),
                description: None,
            }
        );
    }

    #[test]
    fn unpaid_order_shape_is_pending_not_an_error() {
        let body = json!({
            "payment_method": "", "amount": 0, "created_date": "2022-04-30T07:41:09.763",
            "confirmation_code": "", "payment_status_description": "INVALID", "description": null,
            "message": "Request processed successfully", "payment_account": "", "call_back_url": "",
            "status_code": 0, "merchant_reference": "WV-1", "payment_status_code": "", "currency": "",
            "error": { "error_type": "api_error", "code": "payment_details_not_found", "message": "Pending Payment", "call_back_url": "" },
            "status": "500"
        });
        let status = parse_status(&body).unwrap();
        assert_eq!(status.state, PaymentState::Pending);
        assert_eq!(status.payment_method, None);
        assert_eq!(status.currency, None);
        assert_eq!(status.confirmation_code, None);
    }

    #[test]
    fn amounts_are_read_from_numbers_and_strings() {
        for (amount, minor) in [
            (json!(1500.5), Some(150_050)),
            (json!(100), Some(10_000)),
            (json!("80.00"), Some(8_000)),
        ] {
            let body = json!({ "status_code": 1, "amount": amount, "status": "200" });
            assert_eq!(
                parse_status(&body).unwrap().amount,
                minor.map(Money),
                "{amount}"
            );
        }
        for amount in [json!(""), json!(null), json!("12.345")] {
            let body = json!({ "status_code": 2, "amount": amount, "status": "200" });
            assert_eq!(parse_status(&body).unwrap().amount, None, "{amount}");
        }
    }

    #[test]
    fn failed_and_reversed_states_and_status_errors() {
        let failed = json!({ "status_code": 2, "description": "", "payment_status_code": "request_terminated_by_user", "status": "200" });
        let failed = parse_status(&failed).unwrap();
        assert_eq!(failed.state, PaymentState::Failed);
        assert_eq!(
            failed.description.as_deref(),
            Some("request_terminated_by_user")
        );
        assert_eq!(
            parse_status(&json!({ "status_code": "3", "status": "200" }))
                .unwrap()
                .state,
            PaymentState::Reversed
        );
        let bad_token = json!({
            "status_code": 0,
            "error": { "error_type": "authentication_error", "code": "invalid_api_credentials_provided", "message": "Invalid Access Token" },
            "status": "500"
        });
        assert!(
            matches!(parse_status(&bad_token), Err(GatewayError::Rejected { code, .. }) if code == BAD_TOKEN)
        );
        assert!(matches!(
            parse_status(&json!({ "status": "200" })),
            Err(GatewayError::Protocol(_))
        ));
        assert!(matches!(
            parse_status(&json!({ "status": "500" })),
            Err(GatewayError::Rejected { .. })
        ));
    }

    #[test]
    fn order_body_sends_the_amount_as_a_json_number() {
        let mut request = PaymentRequest {
            merchant_reference: "WV-01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
            amount: Money(150_050),
            currency: "KES".into(),
            description: "Cafe - 1 hour".into(),
            callback_url: "https://t.example/cb".into(),
            cancellation_url: None,
            notification_id: "84740ab4-3cd9-47da-8a4f-dd1db53494b5".into(),
            phone_number: "254712345678".into(),
            email: None,
            country_code: "KE".into(),
        };
        let body = order_body(&request).unwrap();
        assert_eq!(body["amount"].to_string(), "1500.5");
        assert_eq!(body["currency"], "KES");
        assert_eq!(
            body["billing_address"],
            json!({ "phone_number": "254712345678", "country_code": "KE" })
        );
        assert!(body.get("cancellation_url").is_none());
        request.amount = Money::from_major(50);
        request.email = Some("a@b.example".into());
        let body = order_body(&request).unwrap();
        assert_eq!(body["amount"].to_string(), "50");
        assert!(body["amount"].is_u64());
        assert_eq!(body["billing_address"]["email_address"], "a@b.example");
    }

    #[test]
    fn non_json_answers_are_protocol_errors_unless_a_proxy_failed() {
        assert!(matches!(
            parse_body(200, b"<html>"),
            Err(GatewayError::Protocol(_))
        ));
        assert!(matches!(
            parse_body(500, b"oops"),
            Err(GatewayError::Protocol(_))
        ));
        assert!(matches!(
            parse_body(503, b"<html>"),
            Err(GatewayError::Unreachable(_))
        ));
        assert_eq!(
            parse_body(500, br#"{"status":"500"}"#).unwrap()["status"],
            "500"
        );
    }
}
