//! IPN delivery, as Pesapal does it: GET with the three parameters in the query, or POST with
//! them as PascalCase JSON, retried a few times until the merchant acknowledges with
//! `"status": 200`. Every delivery is recorded for inspection.

use std::time::Duration;

use serde_json::{Value, json};
use tiketi_core::ports::gateway::IpnMethod;
use tracing::{info, warn};

use super::{Sandbox, SandboxOrder};

const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// One IPN sent (or being sent) for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpnDelivery {
    pub tracking_id: String,
    pub merchant_reference: String,
    pub ipn_id: String,
    pub url: String,
    pub method: IpnMethod,
    /// `IPNCHANGE`.
    pub notification_type: String,
    pub attempts: u32,
    /// The last answer: `HTTP 200: {body}`, or the transport error.
    pub last_answer: Option<String>,
    /// The merchant answered HTTP 2xx with a JSON `status` of `200`.
    pub acknowledged: bool,
    /// No more attempts will be made.
    pub finished: bool,
}

impl Sandbox {
    /// Sends the order's IPN to its registered URL, retrying; returns when done.
    pub(super) async fn deliver_ipn(&self, order: &SandboxOrder) {
        let (index, url, method) = {
            let mut state = self.lock();
            let Some(ipn) = state
                .ipns
                .iter()
                .find(|i| i.ipn_id == order.notification_id)
                .cloned()
            else {
                let tracking_id = &order.tracking_id;
                warn!(%tracking_id, "no IPN registration for the order; nothing delivered");
                return;
            };
            state.deliveries.push(IpnDelivery {
                tracking_id: order.tracking_id.clone(),
                merchant_reference: order.merchant_reference.clone(),
                ipn_id: ipn.ipn_id,
                url: ipn.url.clone(),
                method: ipn.method,
                notification_type: "IPNCHANGE".into(),
                attempts: 0,
                last_answer: None,
                acknowledged: false,
                finished: false,
            });
            (state.deliveries.len() - 1, ipn.url, ipn.method)
        };
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            let (acknowledged, answer) = self.send_ipn(&url, method, order).await;
            let last = attempt == ATTEMPTS;
            {
                let mut state = self.lock();
                let delivery = &mut state.deliveries[index];
                delivery.attempts = attempt;
                delivery.last_answer = Some(answer.clone());
                delivery.acknowledged = acknowledged;
                delivery.finished = acknowledged || last;
            }
            if acknowledged {
                info!(tracking_id = %order.tracking_id, attempt, "sandbox IPN acknowledged");
                return;
            }
            let tracking_id = &order.tracking_id;
            warn!(%tracking_id, attempt, %answer, "sandbox IPN not acknowledged");
            if !last {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
    }

    /// Delivers in the background (the pay page must not wait for the merchant).
    pub(super) fn spawn_ipn(&self, order: SandboxOrder) {
        let sandbox = self.clone();
        tokio::spawn(async move { sandbox.deliver_ipn(&order).await });
    }

    async fn send_ipn(&self, url: &str, method: IpnMethod, order: &SandboxOrder) -> (bool, String) {
        let params = [
            ("OrderTrackingId", order.tracking_id.as_str()),
            ("OrderMerchantReference", order.merchant_reference.as_str()),
            ("OrderNotificationType", "IPNCHANGE"),
        ];
        let http = &self.shared.http;
        let request = match method {
            IpnMethod::Get => http.get(super::with_params(url, &params)),
            IpnMethod::Post => http.post(url).json(&json!({
                "OrderTrackingId": order.tracking_id,
                "OrderNotificationType": "IPNCHANGE",
                "OrderMerchantReference": order.merchant_reference,
            })),
        };
        let response = match request.timeout(ATTEMPT_TIMEOUT).send().await {
            Ok(response) => response,
            Err(e) => return (false, format!("error: {e}")),
        };
        let status = response.status();
        let body = match response.text().await {
            Ok(body) => body,
            Err(e) => {
                return (
                    false,
                    format!("HTTP {}: unreadable body: {e}", status.as_u16()),
                );
            }
        };
        let acknowledged = status.is_success()
            && serde_json::from_str::<Value>(&body)
                .is_ok_and(|ack| ack.get("status").and_then(Value::as_i64) == Some(200));
        let snippet: String = body.chars().take(500).collect();
        (acknowledged, format!("HTTP {}: {snippet}", status.as_u16()))
    }
}
