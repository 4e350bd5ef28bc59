//! The JSON shapes of the REST API, as `docs`-grade structs: what `openapi.yaml` describes.
//! Money is integer minor units (`price_minor: 5000` is KES 50.00) beside its `currency`;
//! times are RFC 3339 in UTC; statuses are lower-case words.

use jiff::Timestamp;
use serde::Serialize;
use tiketi_core::{
    domain::{
        batch::{Actor, Batch},
        catalog::{Allowance, Router, TicketTerms, TicketType},
        customer::{Customer, Purchase},
        order::Order,
        payment::{Outcome, PaymentEvent},
        voucher::{Origin, Voucher},
    },
    services::paging::Page,
    store::DayTotals,
};

/// A page of a listing.
#[derive(Debug, Serialize)]
pub struct List<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> List<T> {
    pub fn of<S>(page: Page<S>, view: impl Fn(S) -> T) -> Self {
        Self {
            data: page.items.into_iter().map(view).collect(),
            next_cursor: page.next,
        }
    }

    /// A whole list in one page.
    pub fn all(data: Vec<T>) -> Self {
        Self {
            data,
            next_cursor: None,
        }
    }
}

fn lower(text: &str) -> String {
    text.to_ascii_lowercase()
}

/// What a ticket buys, flattened: `kind` is `time` (`time_seconds`) or `data` (`data_bytes`).
#[derive(Debug, Serialize)]
pub struct AllowanceView {
    pub kind: &'static str,
    pub time_seconds: Option<u64>,
    pub data_bytes: Option<u64>,
}

impl From<Allowance> for AllowanceView {
    fn from(allowance: Allowance) -> Self {
        match allowance {
            Allowance::Time { seconds } => Self {
                kind: "time",
                time_seconds: Some(seconds),
                data_bytes: None,
            },
            Allowance::Data { bytes } => Self {
                kind: "data",
                time_seconds: None,
                data_bytes: Some(bytes),
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TicketTypeView {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub allowance: AllowanceView,
    pub price_minor: i64,
    pub currency: String,
    pub validity_seconds: u64,
    pub rate_limit: Option<String>,
    pub shared_users: u32,
    pub router_ids: Vec<String>,
    pub on_checkout: bool,
    pub archived: bool,
    pub sort_order: u32,
    /// Data tickets: the rate limit once the quota is used (fair usage); `null` cuts off.
    pub fair_usage_rate_limit: Option<String>,
}

impl TicketTypeView {
    pub fn new(ticket: TicketType, currency: &str) -> Self {
        Self {
            id: ticket.id,
            name: ticket.name,
            allowance: ticket.allowance.into(),
            price_minor: ticket.price.minor(),
            currency: currency.to_owned(),
            validity_seconds: ticket.validity_seconds,
            rate_limit: ticket.rate_limit,
            shared_users: ticket.shared_users,
            router_ids: ticket.router_ids,
            on_checkout: ticket.on_checkout,
            archived: ticket.archived,
            sort_order: ticket.sort_order,
            fair_usage_rate_limit: ticket.fair_usage,
        }
    }
}

/// What a voucher or batch was made with, frozen at the time (later edits of the ticket type
/// never change it).
#[derive(Debug, Serialize)]
pub struct TermsView {
    pub ticket_type_id: String,
    pub ticket_name: String,
    #[serde(flatten)]
    pub allowance: AllowanceView,
    pub price_minor: i64,
    pub validity_seconds: u64,
    pub rate_limit: Option<String>,
    pub shared_users: u32,
    pub fair_usage_rate_limit: Option<String>,
    pub use_by: Option<jiff::Timestamp>,
}

impl From<TicketTerms> for TermsView {
    fn from(terms: TicketTerms) -> Self {
        Self {
            ticket_type_id: terms.ticket_type_id,
            ticket_name: terms.name,
            allowance: terms.allowance.into(),
            price_minor: terms.price.minor(),
            validity_seconds: terms.validity_seconds,
            rate_limit: terms.rate_limit,
            shared_users: terms.shared_users,
            fair_usage_rate_limit: terms.fair_usage,
            use_by: terms.use_by,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RouterView {
    pub id: String,
    pub name: String,
    pub hotspot_dns: String,
    pub location: String,
    /// Whether its setup script was downloaded (it has a secret).
    pub set_up: bool,
    /// When it last reported its users (it syncs every minute).
    pub last_report_at: Option<Timestamp>,
}

impl RouterView {
    pub fn new(router: Router, last_report_at: Option<Timestamp>) -> Self {
        Self {
            id: router.id,
            name: router.name,
            hotspot_dns: router.hotspot_dns,
            location: router.location,
            set_up: router.secret_digest.is_some(),
            last_report_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ActorView {
    pub user_id: String,
    pub name: String,
}

impl From<Actor> for ActorView {
    fn from(actor: Actor) -> Self {
        Self {
            user_id: actor.user_id,
            name: actor.name,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct UsageView {
    pub uptime_seconds: u64,
    pub bytes_used: u64,
    pub reported_at: Option<Timestamp>,
}

#[derive(Debug, Serialize)]
pub struct VoucherView {
    pub code: String,
    pub password: String,
    /// `unused`, `active`, `used_up`, `expired` or `cancelled`.
    pub status: String,
    pub router_id: String,
    #[serde(flatten)]
    pub terms: TermsView,
    pub currency: String,
    /// `batch` (printed), `sale` (bought online) or `pool` (loaded unsold on its router).
    pub origin: &'static str,
    pub batch_id: Option<String>,
    pub order_id: Option<String>,
    pub phone: Option<String>,
    pub created_at: Timestamp,
    pub sold_at: Option<Timestamp>,
    pub sold_by: Option<ActorView>,
    pub activated_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub expired_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
    pub cancel_reason: Option<String>,
    /// Fair usage: when its data quota ran out and it slowed down.
    pub throttled_at: Option<Timestamp>,
    pub usage: UsageView,
}

impl VoucherView {
    pub fn new(voucher: Voucher, currency: &str) -> Self {
        let (origin, batch_id, order_id) = match voucher.origin {
            Origin::Batch { batch_id } => ("batch", Some(batch_id), None),
            Origin::Sale { order_id } => ("sale", None, Some(order_id)),
            Origin::Pool { .. } => ("pool", None, None),
        };
        Self {
            code: voucher.code,
            password: voucher.password,
            status: lower(voucher.status.as_str()),
            router_id: voucher.router_id,
            terms: voucher.terms.into(),
            currency: currency.to_owned(),
            origin,
            batch_id,
            order_id,
            phone: voucher.phone,
            created_at: voucher.created_at,
            sold_at: voucher.sold_at,
            sold_by: voucher.sold_by.map(Into::into),
            activated_at: voucher.activated_at,
            expires_at: voucher.expires_at,
            expired_at: voucher.expired_at,
            cancelled_at: voucher.cancelled_at,
            cancel_reason: voucher.cancel_reason,
            throttled_at: voucher.throttled_at,
            usage: UsageView {
                uptime_seconds: voucher.usage.uptime_seconds,
                bytes_used: voucher.usage.bytes_used,
                reported_at: voucher.usage.reported_at,
            },
        }
    }
}

/// One step of a voucher's story.
#[derive(Debug, Serialize)]
pub struct EventView {
    pub at: Timestamp,
    pub what: String,
}

#[derive(Debug, Serialize)]
pub struct VoucherDetailView {
    #[serde(flatten)]
    pub voucher: VoucherView,
    /// Created, sold, printed, first login, usage reports, expiry or cancellation; oldest first.
    pub history: Vec<EventView>,
}

#[derive(Debug, Serialize)]
pub struct BatchView {
    pub id: String,
    pub router_id: String,
    #[serde(flatten)]
    pub terms: TermsView,
    pub currency: String,
    pub quantity: u32,
    /// Vouchers written so far (`quantity` once `status` is `ready`).
    pub generated: u32,
    /// `generating`, `ready` or `cancelled`.
    pub status: String,
    pub note: String,
    pub created_at: Timestamp,
    pub created_by: ActorView,
    pub cancelled_at: Option<Timestamp>,
    pub cancel_reason: Option<String>,
    /// The agent holding the printed stock.
    pub agent: Option<ActorView>,
    pub prints: u32,
    pub sold: u32,
    pub redeemed: u32,
}

impl BatchView {
    pub fn new(batch: Batch, currency: &str) -> Self {
        Self {
            id: batch.id,
            router_id: batch.router_id,
            terms: batch.terms.into(),
            currency: currency.to_owned(),
            quantity: batch.quantity,
            generated: batch.generated,
            status: name_of(&batch.status),
            note: batch.note,
            created_at: batch.created_at,
            created_by: batch.created_by.into(),
            cancelled_at: batch.cancelled_at,
            cancel_reason: batch.cancel_reason,
            agent: batch.agent.map(Into::into),
            prints: batch.prints,
            sold: batch.sold,
            redeemed: batch.redeemed,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct OrderView {
    pub id: String,
    /// The merchant reference sent to Pesapal.
    pub reference: String,
    /// The short code the customer sees (voucher recovery).
    pub code: String,
    /// `pending`, `paid`, `fulfilled`, `failed` or `reversed`.
    pub status: String,
    pub router_id: String,
    #[serde(flatten)]
    pub terms: TermsView,
    pub amount_minor: i64,
    pub currency: String,
    pub phone: String,
    pub email: Option<String>,
    pub payment_method: Option<String>,
    pub confirmation_code: Option<String>,
    pub voucher_code: Option<String>,
    pub created_at: Timestamp,
    pub paid_at: Option<Timestamp>,
}

impl From<Order> for OrderView {
    fn from(order: Order) -> Self {
        Self {
            id: order.id,
            reference: order.reference,
            code: order.code,
            status: lower(order.status.as_str()),
            router_id: order.router_id,
            terms: order.terms.into(),
            amount_minor: order.amount.minor(),
            currency: order.currency,
            phone: order.phone.as_str().to_owned(),
            email: order.email,
            payment_method: order.payment_method,
            confirmation_code: order.confirmation_code,
            voucher_code: order.voucher_code,
            created_at: order.created_at,
            paid_at: order.paid_at,
        }
    }
}

/// What Pesapal said about an order, once.
#[derive(Debug, Serialize)]
pub struct PaymentEventView {
    pub received_at: Timestamp,
    /// `ipn`, `callback` or `reconciliation`...: how Tiketi came to ask.
    pub source: String,
    /// The payment state Pesapal reported: `pending`, `completed`, `failed` or `reversed`.
    pub state: String,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub payment_method: Option<String>,
    pub confirmation_code: Option<String>,
    pub description: Option<String>,
    /// What Tiketi did with it, in words.
    pub outcome: String,
}

/// Serde's name of a unit-like enum value (`Completed` -> `completed`).
fn name_of(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => lower(&text),
        Ok(other) => lower(&other.to_string()),
        Err(_) => String::new(),
    }
}

impl From<PaymentEvent> for PaymentEventView {
    fn from(event: PaymentEvent) -> Self {
        Self {
            received_at: event.received_at,
            source: name_of(&event.source),
            state: name_of(&event.state),
            amount_minor: event.amount.map(|a| a.minor()),
            currency: event.currency,
            payment_method: event.payment_method,
            confirmation_code: event.confirmation_code,
            description: event.description,
            outcome: match event.outcome {
                Outcome::Transition { from, to } => {
                    format!("order moved from {} to {}", lower(&from), lower(&to))
                }
                Outcome::NoChange { status } => format!("no change (order {})", lower(&status)),
                Outcome::Rejected { reason } => format!("rejected: {reason}"),
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct OrderDetailView {
    #[serde(flatten)]
    pub order: OrderView,
    pub payment_events: Vec<PaymentEventView>,
}

#[derive(Debug, Serialize)]
pub struct CustomerView {
    pub phone: String,
    pub purchases: i64,
    pub spent_minor: i64,
    pub currency: String,
    pub last_purchase_at: Timestamp,
}

impl CustomerView {
    pub fn new(customer: Customer, currency: &str) -> Self {
        Self {
            phone: customer.phone,
            purchases: customer.purchases,
            spent_minor: customer.spent.minor(),
            currency: currency.to_owned(),
            last_purchase_at: customer.last_purchase_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PurchaseView {
    pub at: Timestamp,
    /// `online` (checkout and Pesapal) or `cash` (a printed voucher sold by hand).
    pub channel: String,
    pub order_id: Option<String>,
    pub status: String,
    pub ticket_name: String,
    pub amount_minor: i64,
    pub voucher_code: Option<String>,
    pub confirmation_code: Option<String>,
}

impl From<Purchase> for PurchaseView {
    fn from(purchase: Purchase) -> Self {
        Self {
            at: purchase.at,
            channel: lower(purchase.channel.as_str()),
            order_id: purchase.order_id,
            status: purchase.status,
            ticket_name: purchase.ticket_name,
            amount_minor: purchase.amount.minor(),
            voucher_code: purchase.voucher_code,
            confirmation_code: purchase.confirmation_code,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CustomerDetailView {
    #[serde(flatten)]
    pub customer: CustomerView,
    pub history: List<PurchaseView>,
}

/// Sales figures of a period or a group: counts and minor units.
#[derive(Debug, Serialize)]
pub struct FiguresView {
    /// Sales less reversals.
    pub sales: i64,
    /// Takings less reversed money.
    pub gross_minor: i64,
    /// What Pesapal kept.
    pub fees_minor: i64,
    /// What agents earned on their cash sales.
    pub commission_minor: i64,
    /// Gross less fees and commission.
    pub net_minor: i64,
    pub average_minor: i64,
    pub reversed: i64,
}

impl From<&DayTotals> for FiguresView {
    fn from(totals: &DayTotals) -> Self {
        Self {
            sales: totals.net_count(),
            gross_minor: totals.gross_minor(),
            fees_minor: totals.fee_minor,
            commission_minor: totals.commission_minor,
            net_minor: totals.net_minor(),
            average_minor: totals.average_minor(),
            reversed: totals.reversed_count,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PeriodView {
    /// The first day of the period (a Monday for weeks, the 1st for months).
    pub start: String,
    #[serde(flatten)]
    pub figures: FiguresView,
}

#[derive(Debug, Serialize)]
pub struct GroupView {
    /// A ticket type, router or user id, or a channel (`online`, `cash`).
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: FiguresView,
}

#[derive(Debug, Serialize)]
pub struct SalesReportView {
    pub from: String,
    pub to: String,
    /// `day`, `week` or `month`.
    pub by: &'static str,
    pub currency: String,
    pub total: FiguresView,
    pub periods: Vec<PeriodView>,
    pub by_ticket_type: Vec<GroupView>,
    pub by_router: Vec<GroupView>,
    /// Cash sales per seller (owner or agent).
    pub by_seller: Vec<GroupView>,
    pub by_channel: Vec<GroupView>,
}
