//! Printed vouchers: the cards of a PDF sheet (drawn by `tiketi-render`, no browser involved)
//! drawn off the async workers. The QR code logs the scanning phone in at the hotspot.

use serde::Deserialize;
use tiketi_core::{
    domain::{
        batch::{Batch, BatchCode},
        catalog::{Operator, describe_duration},
    },
    services::ServiceError,
};
use tiketi_render::{Layout, VoucherCard, voucher_sheet};

/// `?layout=a4|58mm|80mm` of a PDF download.
#[derive(Debug, Default, Deserialize)]
pub struct LayoutQuery {
    #[serde(default)]
    layout: String,
}

impl LayoutQuery {
    /// The layout and its name in the custody record.
    pub fn layout(&self) -> (Layout, &'static str) {
        match self.layout.as_str() {
            "58mm" => (Layout::Thermal58, "pdf-58mm"),
            "80mm" => (Layout::Thermal80, "pdf-80mm"),
            _ => (Layout::A4, "pdf-a4"),
        }
    }
}

/// The address that logs a device in at the hotspot (`/login` of its DNS name).
pub fn login_url(hotspot_dns: &str, code: &BatchCode) -> String {
    let query = serde_urlencoded::to_string([
        ("username", code.code.as_str()),
        ("password", code.password.as_str()),
    ])
    .unwrap_or_default();
    format!("http://{hotspot_dns}/login?{query}")
}

/// The printed cards of some of a batch's codes (`first_number`: the first one's position).
pub fn cards(
    operator: &Operator,
    batch: &Batch,
    hotspot_dns: &str,
    codes: &[BatchCode],
    first_number: usize,
) -> Vec<VoucherCard> {
    let terms = &batch.terms;
    let mut allowance = format!(
        "{} · valid {}",
        terms.allowance.describe(),
        describe_duration(terms.validity_seconds)
    );
    if let Some(day) = super::use_by_day(terms, &operator.time_zone) {
        allowance.push_str(&format!(" · use by {day}"));
    }
    codes
        .iter()
        .enumerate()
        .map(|(i, code)| VoucherCard {
            business_name: operator.business_name.clone(),
            ticket_name: terms.name.clone(),
            price: terms.price.display(&operator.currency),
            allowance: allowance.clone(),
            username: code.code.clone(),
            password: (code.password != code.code).then(|| code.password.clone()),
            login_url: login_url(hotspot_dns, code),
            serial: format!("{} #{}", batch.id, first_number + i),
        })
        .collect()
}

/// A PDF sheet of cards. Drawn on the blocking pool: a 10,000-card sheet is about a second of
/// CPU, which must not hold up the requests the async workers serve meanwhile.
pub async fn sheet(
    title: String,
    cards: Vec<VoucherCard>,
    layout: Layout,
) -> Result<Vec<u8>, ServiceError> {
    tokio::task::spawn_blocking(move || voucher_sheet(&title, &cards, layout))
        .await
        .map_err(|e| ServiceError::Invalid(format!("the sheet could not be drawn: {e}")))?
        .map_err(|e| ServiceError::Invalid(format!("the sheet could not be drawn: {e}")))
}

/// The media type of PDF sheets.
pub const PDF: &str = "application/pdf";
