//! Every key of Tiketi's single table, built in one place. See `docs/data-model.md` for the
//! access patterns these serve.
//!
//! | entity          | pk                          | sk                         | gsi1 (pk / sk)                          | gsi2 (pk / sk)                    |
//! |-----------------|-----------------------------|----------------------------|-----------------------------------------|-----------------------------------|
//! | operator        | `OP#<op>`                   | `PROFILE`                  | `OPERATORS` / `<op>`                    |                                   |
//! | router          | `OP#<op>`                   | `ROUTER#<router>`          |                                         |                                   |
//! | ticket type     | `OP#<op>`                   | `TICKETTYPE#<tt>`          |                                         |                                   |
//! | IPN registration| `OP#<op>`                   | `PESAPALIPN#<account>`     |                                         |                                   |
//! | Pesapal keys    | `OP#<op>`                   | `PESAPALKEYS`              |                                         |                                   |
//! | order           | `OP#<op>#ORDER#<order>`     | `ORDER`                    | `OP#<op>#TRACKING#<tracking>` / `ORDER` | `OP#<op>#ORDERS#<status>` / `<created>#<order>` |
//! | payment event   | `OP#<op>#ORDER#<order>`     | `EVENT#<at>#<event>`       |                                         |                                   |
//! | voucher         | `OP#<op>#VOUCHER#<code>`    | `VOUCHER`                  | `OP#<op>#VOUCHERS#<status>` / `<created>#<code>` | `OP#<op>#ROUTER#<router>#LIVE` / `LiveLane::sort_key` (only while live) |
//! | sale            | `OP#<op>#SALES#<day>`       | `SALE#<at>#<order>`        |                                         |                                   |
//! | day totals      | `OP#<op>#TOTALS`            | `ALL#<day>`, `TICKETTYPE#<day>#<tt>`, `ROUTER#<day>#<r>`, `CHANNEL#<day>#<c>`, `SELLER#<day>#<user>` | |      |
//! | voucher counts  | `OP#<op>`                   | `VOUCHERCOUNTS`            |                                         |                                   |
//! | usage snapshot  | `OP#<op>#VOUCHER#<code>`    | `USAGE#<at>`               |                                         |                                   |
//! | voucher (active)| (as above)                  |                            | gsi3: `OP#<op>#EXPIRES#<yyyy-mm-ddThh>` / `<expires>#<code>` |                   |
//! | expiry sweep    | `OP#<op>`                   | `EXPIRYSWEEP`              |                                         |                                   |
//! | router inventory| `OP#<op>`                   | `ROUTERINVENTORY#<router>` |                                         |                                   |
//! | customer        | `OP#<op>#CUSTOMER#<msisdn>` | `PROFILE`                  | `OP#<op>#CUSTOMERS` / `<last purchase>#<msisdn>` |                          |
//! | customer order  | `OP#<op>#CUSTOMER#<msisdn>` | `ORDER#<created>#<order>`  |                                         |                                   |
//! | portal user     | `OP#<op>`                   | `USER#<user>`              |                                         |                                   |
//! | session         | `OP#<op>#USER#<user>`       | `SESSION#<session>`        |                                         |                                   |
//! | two-step login  | `OP#<op>#USER#<user>`       | `TOTP`                     |                                         |                                   |
//! | login name      | `LOGIN#<sha256(email)>`     | `LOGIN`                    |                                         |                                   |
//! | batch           | `OP#<op>`                   | `BATCH#<batch>`            |                                         |                                   |
//! | batch page      | `OP#<op>#BATCH#<batch>`     | `PAGE#<nnnnn>`             |                                         |                                   |
//! | audit entry     | `OP#<op>#AUDIT`             | `<at>#<entry>`             |                                         |                                   |
//! | login throttle  | `LOGIN#<sha256(email)>`     | `THROTTLE`                 |                                         |                                   |
//! | batch custody   | `OP#<op>#BATCH#<batch>`     | `EVENT#<at>#<event>`       |                                         |                                   |
//! | voucher custody | `OP#<op>#VOUCHER#<code>`    | `EVENT#<at>#<event>`       |                                         |                                   |
//! | API token       | `OP#<op>`                   | `APITOKEN#<token>`         |                                         |                                   |
//! | idempotency key | `OP#<op>`                   | `IDEMPOTENCY#<sha256(key)>`|                                         |                                   |
//! | unmatched payment | `OP#<op>#UNMATCHED`      | `<kind>-<hash(tracking)>`  |                                         |                                   |
//! | invitation      | `INVITE#<sha256(token)>`    | `INVITE`                   |                                         |                                   |
//! | agent balance   | `OP#<op>#AGENT#<user>`      | `BALANCE`                  |                                         |                                   |
//! | agent's sale    | `OP#<op>#AGENT#<user>`      | `SALE#<at>#<code>`         |                                         |                                   |
//! | settlement      | `OP#<op>#AGENT#<user>`      | `SETTLEMENT#<at>#<id>`     |                                         |                                   |
//! | subscription    | `OP#<op>`                   | `SUBSCRIPTION`             | `SUBSCRIPTIONS` / `<op>`                | `SUBSCRIPTIONS#BILLING` / `<billed until>#<op>` (unless suspended) |
//! | month usage     | `OP#<op>`                   | `MONTH#<yyyy-mm>`          |                                         |                                   |
//! | plan            | `PLATFORM`                  | `PLAN#<code>`              |                                         |                                   |
//! | testimonial     | `PLATFORM`                  | `TESTIMONIAL#<id>`         |                                         |                                   |
//! | invoice number  | `PLATFORM`                  | `INVOICESEQ`               |                                         |                                   |
//! | administrator   | `ADMIN#<id>`                | `ADMIN`                    | `ADMINS` / `<email>`                    |                                   |
//! | admin session   | `ADMIN#<id>`                | `SESSION#<session>`        |                                         |                                   |
//! | directory entry | `PLATFORM#DIRECTORY`        | `<term>#<op>`              |                                         |                                   |
//! | rate window     | `RATE#<limit>#<hash(subject)>` | `<window start>` (TTL)  |                                         |                                   |
//! | platform audit  | `PLATFORM#AUDIT`            | `<at>#<entry>`             |                                         |                                   |
//! | platform snapshot | `PLATFORM#STATS`          | `SNAPSHOT`                 |                                         |                                   |
//! | platform day    | `PLATFORM#STATS`            | `DAY#<yyyy-mm-dd>#<shard>` |                                         |                                   |
//! | invoice         | `INVOICE#<n>`               | `INVOICE`                  | `OP#<op>#INVOICES` / `<n, 12 digits>`   | `INVOICES#OPEN` / `<due>#<n>` (only while open) |
//! | invoice attempt | `INVOICE#<n>`               | `ATTEMPT#<reference>`      |                                         | `INVOICES#ATTEMPTS` / `<created>#<reference>` |
//! | paid twice      | `INVOICE#<n>`               | `DOUBLE#<hash(tracking)>`  |                                         |                                   |
//! | invoice event   | `INVOICE#<n>`               | `EVENT#<at>#<event>`       |                                         |                                   |
//!
//! Every partition key starts with the operator id, so no query can cross tenants. The
//! exceptions: the platform's own items (`PLATFORM`, and `INVOICE#` items, which belong to the
//! platform and name their operator), the `OPERATORS` index partition that scheduled passes use to find the tenants,
//! the `LOGIN#` items that map an e-mail address to its user (a login starts from the address
//! alone; the address is hashed so that no user input shapes a key), and the `INVITE#` items
//! that an invitation link's token opens (hashed likewise).
//! Times in sort keys are fixed-width UTC (`2026-11-25T10:00:00.000Z`) so text order is time order.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::{
    domain::ledger::{Dimension, DimensionKind},
    ports::table::Key,
};

/// Fixed-width UTC time for sort keys.
pub fn time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn operator_pk(op: &str) -> String {
    format!("OP#{op}")
}

pub fn operator(op: &str) -> Key {
    Key::new(operator_pk(op), "PROFILE")
}

pub const OPERATORS_PARTITION: &str = "OPERATORS";

pub fn router(op: &str, router: &str) -> Key {
    Key::new(operator_pk(op), format!("ROUTER#{router}"))
}

pub const ROUTER_PREFIX: &str = "ROUTER#";

pub fn ticket_type(op: &str, tt: &str) -> Key {
    Key::new(operator_pk(op), format!("TICKETTYPE#{tt}"))
}

pub const TICKET_TYPE_PREFIX: &str = "TICKETTYPE#";

/// The operator's partition (routers, ticket types... are queried by sk prefix in it).
pub fn operator_partition(op: &str) -> String {
    operator_pk(op)
}

pub fn ipn_registration(op: &str, account: &str) -> Key {
    Key::new(operator_pk(op), format!("PESAPALIPN#{account}"))
}

/// The operator's own Pesapal keys (sealed).
pub fn merchant_keys(op: &str) -> Key {
    Key::new(operator_pk(op), "PESAPALKEYS")
}

fn order_pk(op: &str, order: &str) -> String {
    format!("OP#{op}#ORDER#{order}")
}

pub fn order(op: &str, order: &str) -> Key {
    Key::new(order_pk(op, order), "ORDER")
}

pub fn order_by_tracking(op: &str, tracking_id: &str) -> (String, String) {
    (
        format!("OP#{op}#TRACKING#{tracking_id}"),
        "ORDER".to_owned(),
    )
}

pub fn orders_by_status(op: &str, status: &str) -> String {
    format!("OP#{op}#ORDERS#{status}")
}

pub fn order_status_sort(created: Timestamp, order: &str) -> String {
    format!("{}#{order}", time(created))
}

pub fn payment_event(op: &str, order: &str, at: Timestamp, event: &str) -> Key {
    Key::new(order_pk(op, order), format!("EVENT#{}#{event}", time(at)))
}

/// The partition holding an order and its payment events.
pub fn order_partition(op: &str, order: &str) -> String {
    order_pk(op, order)
}

pub const PAYMENT_EVENT_PREFIX: &str = "EVENT#";

pub fn voucher(op: &str, code: &str) -> Key {
    Key::new(format!("OP#{op}#VOUCHER#{code}"), "VOUCHER")
}

/// A voucher's usage history item (same partition as the voucher).
pub fn voucher_usage(op: &str, code: &str, at: Timestamp) -> Key {
    Key::new(
        format!("OP#{op}#VOUCHER#{code}"),
        format!("USAGE#{}", time(at)),
    )
}

pub const USAGE_PREFIX: &str = "USAGE#";

/// The hour bucket of the expiry index: active vouchers due in that hour (UTC).
pub fn expiry_bucket(op: &str, at: Timestamp) -> String {
    format!("OP#{op}#EXPIRES#{}", at.strftime("%Y-%m-%dT%H"))
}

pub fn expiry_sort(at: Timestamp, code: &str) -> String {
    format!("{}#{code}", time(at))
}

/// A router's pool of unsold vouchers of one ticket type (gsi3, while unclaimed).
pub fn router_pool(op: &str, router: &str, ticket_type: &str) -> String {
    format!("OP#{op}#ROUTER#{router}#POOL#{ticket_type}")
}

/// How far the operator's expiry sweep has got.
pub fn expiry_sweep(op: &str) -> Key {
    Key::new(operator_pk(op), "EXPIRYSWEEP")
}

/// When every router's voucher pools were last topped up in full (`services::pool`).
pub fn pool_refill_mark() -> Key {
    Key::new("PLATFORM", "POOLREFILL")
}

/// What a router last reported holding (its inventory, for the sync diff).
pub fn router_inventory(op: &str, router: &str) -> Key {
    Key::new(operator_pk(op), format!("ROUTERINVENTORY#{router}"))
}

pub fn vouchers_by_status(op: &str, status: &str) -> String {
    format!("OP#{op}#VOUCHERS#{status}")
}

/// The live (unused or active) vouchers a router should hold: what sync sends it.
pub fn router_live_vouchers(op: &str, router: &str) -> String {
    format!("OP#{op}#ROUTER#{router}#LIVE")
}

/// Before the code in a live voucher's sort key when a buyer waits for it (see
/// [`LiveLane::Buyers`]); stock keeps the bare code, which starts with 2-9 or A-Z and so sorts
/// after every `1#…`.
const BUYERS_LANE: &str = "1#";

/// The two lanes of a router's live vouchers, walked in this order by the sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveLane {
    /// Vouchers sold online and the pool that serves online sales: a buyer is waiting for
    /// them (or soon will be), so they reach the router before any batch backlog.
    Buyers,
    /// Vouchers generated in batches or one at a time by the operator.
    Stock,
}

impl LiveLane {
    pub fn sort_key(self, code: &str) -> String {
        match self {
            Self::Buyers => format!("{BUYERS_LANE}{code}"),
            Self::Stock => code.to_owned(),
        }
    }

    /// The lane's range of sort keys (codes are upper-case letters and digits 2-9).
    pub fn range(self) -> (String, String) {
        match self {
            Self::Buyers => (format!("{BUYERS_LANE}0"), format!("{BUYERS_LANE}~")),
            Self::Stock => ("2".into(), "~".into()),
        }
    }
}

pub fn voucher_date_sort(created: Timestamp, code: &str) -> String {
    format!("{}#{code}", time(created))
}

/// The sales partition of one business day (`2026-11-25`, in the operator's time zone).
pub fn sales_day(op: &str, day: &str) -> String {
    format!("OP#{op}#SALES#{day}")
}

pub fn sale(op: &str, day: &str, at: Timestamp, order: &str) -> Key {
    Key::new(sales_day(op, day), format!("SALE#{}#{order}", time(at)))
}

pub const SALE_PREFIX: &str = "SALE#";

/// The operator's per-day sales counters, all in one partition so that a date range of one
/// dimension is one query.
pub fn totals_partition(op: &str) -> String {
    format!("OP#{op}#TOTALS")
}

/// One day's counters along one dimension: `ALL#<day>`, `TICKETTYPE#<day>#<tt>`, ...
pub fn day_total(op: &str, day: &str, dimension: Dimension<'_>) -> Key {
    let tag = dimension.kind().tag();
    let sk = match dimension.value() {
        None => format!("{tag}#{day}"),
        Some(value) => format!("{tag}#{day}#{value}"),
    };
    Key::new(totals_partition(op), sk)
}

/// The sort-key range of a dimension's counters from day `from` to day `to` (inclusive).
pub fn day_totals_range(kind: DimensionKind, from: &str, to: &str) -> (String, String) {
    let tag = kind.tag();
    (format!("{tag}#{from}"), format!("{tag}#{to}~"))
}

/// How many of the operator's vouchers are in each status (an attribute per status).
pub fn voucher_counts(op: &str) -> Key {
    Key::new(operator_pk(op), "VOUCHERCOUNTS")
}

fn customer_pk(op: &str, msisdn: &str) -> String {
    format!("OP#{op}#CUSTOMER#{msisdn}")
}

pub fn customer(op: &str, msisdn: &str) -> Key {
    Key::new(customer_pk(op, msisdn), "PROFILE")
}

pub fn customer_order(op: &str, msisdn: &str, created: Timestamp, order: &str) -> Key {
    Key::new(
        customer_pk(op, msisdn),
        format!("ORDER#{}#{order}", time(created)),
    )
}

pub fn customer_partition(op: &str, msisdn: &str) -> String {
    customer_pk(op, msisdn)
}

pub const CUSTOMER_ORDER_PREFIX: &str = "ORDER#";
/// Above every link sort key of a customer's history.
pub const CUSTOMER_ORDER_END: &str = "ORDER#~";

/// The index partition of the operator's customers.
pub fn customers_partition(op: &str) -> String {
    format!("OP#{op}#CUSTOMERS")
}

/// A customer's place in the customer list (gsi1): most recent buyer last in key order.
pub fn customer_index(op: &str, msisdn: &str, last_purchase: Timestamp) -> (String, String) {
    (
        customers_partition(op),
        format!("{}#{msisdn}", time(last_purchase)),
    )
}

pub fn api_token(op: &str, token: &str) -> Key {
    Key::new(operator_pk(op), format!("APITOKEN#{token}"))
}

pub const API_TOKEN_PREFIX: &str = "APITOKEN#";

/// A client's idempotency key for a creating request (hashed: no user input shapes a key).
pub fn idempotency(op: &str, client_key: &str) -> Key {
    Key::new(
        operator_pk(op),
        format!(
            "IDEMPOTENCY#{}",
            hex::encode(Sha256::digest(client_key.as_bytes()))
        ),
    )
}

pub fn user(op: &str, user: &str) -> Key {
    Key::new(operator_pk(op), format!("USER#{user}"))
}

pub const USER_PREFIX: &str = "USER#";

fn user_pk(op: &str, user: &str) -> String {
    format!("OP#{op}#USER#{user}")
}

pub fn session(op: &str, user: &str, session: &str) -> Key {
    Key::new(user_pk(op, user), format!("SESSION#{session}"))
}

/// The partition of a user's sessions.
pub fn user_partition(op: &str, user: &str) -> String {
    user_pk(op, user)
}

pub const SESSION_PREFIX: &str = "SESSION#";

/// A user's two-step login (TOTP secret, sealed).
pub fn two_factor(op: &str, user: &str) -> Key {
    Key::new(user_pk(op, user), "TOTP")
}

fn login_pk(email: &str) -> String {
    format!("LOGIN#{}", hex::encode(Sha256::digest(email.as_bytes())))
}

/// Which user an e-mail address logs in as (canonical address: `domain::account::Email`).
pub fn login(email: &str) -> Key {
    Key::new(login_pk(email), "LOGIN")
}

/// Failed logins of an e-mail address, whether or not it has an account.
pub fn login_throttle(email: &str) -> Key {
    Key::new(login_pk(email), "THROTTLE")
}

/// The operator's audit log, in time order.
pub fn audit_partition(op: &str) -> String {
    format!("OP#{op}#AUDIT")
}

pub fn audit_entry(op: &str, at: Timestamp, entry: &str) -> Key {
    Key::new(audit_partition(op), format!("{}#{entry}", time(at)))
}

pub fn batch(op: &str, batch: &str) -> Key {
    Key::new(operator_pk(op), format!("BATCH#{batch}"))
}

pub const BATCH_PREFIX: &str = "BATCH#";

pub fn batch_partition(op: &str, batch: &str) -> String {
    format!("OP#{op}#BATCH#{batch}")
}

/// A custody event of a batch (same partition as its pages, after them in sort order).
pub fn batch_event(op: &str, batch: &str, at: Timestamp, event: &str) -> Key {
    Key::new(
        batch_partition(op, batch),
        format!("EVENT#{}#{event}", time(at)),
    )
}

/// A custody event of one voucher (a reprint), in the voucher's partition.
pub fn voucher_event(op: &str, code: &str, at: Timestamp, event: &str) -> Key {
    Key::new(
        format!("OP#{op}#VOUCHER#{code}"),
        format!("EVENT#{}#{event}", time(at)),
    )
}

pub const EVENT_PREFIX: &str = "EVENT#";

/// What an invitation link's token opens (the token's hash: the link is the only copy).
pub fn invite(token: &str) -> Key {
    Key::new(
        format!("INVITE#{}", hex::encode(Sha256::digest(token.as_bytes()))),
        "INVITE",
    )
}

/// An agent's partition: their balance, their sales and the settlements of their cash.
pub fn agent_partition(op: &str, agent: &str) -> String {
    format!("OP#{op}#AGENT#{agent}")
}

pub fn agent_balance(op: &str, agent: &str) -> Key {
    Key::new(agent_partition(op, agent), "BALANCE")
}

pub fn agent_sale(op: &str, agent: &str, at: Timestamp, code: &str) -> Key {
    Key::new(
        agent_partition(op, agent),
        format!("SALE#{}#{code}", time(at)),
    )
}

pub fn settlement(op: &str, agent: &str, at: Timestamp, id: &str) -> Key {
    Key::new(
        agent_partition(op, agent),
        format!("SETTLEMENT#{}#{id}", time(at)),
    )
}

pub const SETTLEMENT_PREFIX: &str = "SETTLEMENT#";

/// The operator's inbox of payments that could not become a voucher.
pub fn unmatched_partition(op: &str) -> String {
    format!("OP#{op}#UNMATCHED")
}

pub fn unmatched(op: &str, id: &str) -> Key {
    Key::new(unmatched_partition(op), id)
}

/// One chunk's codes; zero-padded so pages read back in order.
pub fn batch_page(op: &str, batch: &str, number: u32) -> Key {
    Key::new(batch_partition(op, batch), format!("PAGE#{number:05}"))
}

pub const BATCH_PAGE_PREFIX: &str = "PAGE#";

/// A rate limit's counter for one subject (a client address, an operator) in one window;
/// the subject is hashed, so no client input shapes a key.
pub fn rate_window(name: &str, subject: &str, window_start: Timestamp) -> Key {
    let digest = Sha256::digest(subject.as_bytes());
    Key::new(
        format!("RATE#{name}#{}", hex::encode(&digest[..12])),
        time(window_start),
    )
}

/// The platform's own partition: plan catalogue, testimonials, invoice numbering.
pub const PLATFORM_PARTITION: &str = "PLATFORM";

pub fn plan(code: &str) -> Key {
    Key::new(PLATFORM_PARTITION, format!("PLAN#{code}"))
}

pub const PLAN_PREFIX: &str = "PLAN#";

pub fn testimonial(id: &str) -> Key {
    Key::new(PLATFORM_PARTITION, format!("TESTIMONIAL#{id}"))
}

pub const TESTIMONIAL_PREFIX: &str = "TESTIMONIAL#";

/// The last invoice number given out (gapless numbering).
pub fn invoice_sequence() -> Key {
    Key::new(PLATFORM_PARTITION, "INVOICESEQ")
}

/// The platform's audit log (administrators' actions), newest last like an operator's.
pub const PLATFORM_AUDIT_PARTITION: &str = "PLATFORM#AUDIT";

pub fn platform_audit_entry(at: Timestamp, entry: &str) -> Key {
    Key::new(PLATFORM_AUDIT_PARTITION, format!("{}#{entry}", time(at)))
}

/// Platform-wide counters of a UTC day, kept as things happen (never counted by scans).
pub const PLATFORM_STATS_PARTITION: &str = "PLATFORM#STATS";

/// The hourly count of subscriptions by status and plan, and the MRR.
pub fn platform_snapshot() -> Key {
    Key::new(PLATFORM_STATS_PARTITION, "SNAPSHOT")
}

/// Every subscription (gsi1), for the snapshot.
pub const SUBSCRIPTIONS_PARTITION: &str = "SUBSCRIPTIONS";

/// Counters of a day are spread over this many items, so that sales of many operators at
/// once do not all write (and conflict on) one item; the statistics page adds them up.
pub const PLATFORM_DAY_SHARDS: u64 = 16;

pub fn platform_day(day: &str, shard: u64) -> Key {
    Key::new(
        PLATFORM_STATS_PARTITION,
        format!("DAY#{day}#{:02}", shard % PLATFORM_DAY_SHARDS),
    )
}

/// A platform administrator (id from the e-mail address's digest).
pub fn admin(id: &str) -> Key {
    Key::new(format!("ADMIN#{id}"), "ADMIN")
}

pub const ADMINS_PARTITION: &str = "ADMINS";

pub fn admin_session(admin: &str, session: &str) -> Key {
    Key::new(format!("ADMIN#{admin}"), format!("SESSION#{session}"))
}

/// Operators by name, e-mail and phone, for the administrator's search (`<term>#<op>`).
pub const DIRECTORY_PARTITION: &str = "PLATFORM#DIRECTORY";

pub fn directory_entry(term: &str, op: &str) -> Key {
    Key::new(DIRECTORY_PARTITION, format!("{term}#{op}"))
}

/// An operator's subscription to the platform.
pub fn subscription(op: &str) -> Key {
    Key::new(operator_pk(op), "SUBSCRIPTION")
}

/// Vouchers made for customers in a month (`yyyy-mm` in the operator's time zone).
pub fn month_usage(op: &str, month: &str) -> Key {
    Key::new(operator_pk(op), format!("MONTH#{month}"))
}

pub fn invoice_partition(number: u64) -> String {
    invoice_pk(number)
}

fn invoice_pk(number: u64) -> String {
    format!("INVOICE#{number}")
}

/// Invoices are the platform's, numbered across operators: found by number from a payment's
/// reference alone, and listed per operator through gsi1.
pub fn invoice(number: u64) -> Key {
    Key::new(invoice_pk(number), "INVOICE")
}

pub fn invoices_of(op: &str) -> String {
    format!("OP#{op}#INVOICES")
}

/// Zero-padded so text order is number order.
pub fn invoice_sort(number: u64) -> String {
    format!("{number:012}")
}

/// Subscriptions (gsi2) by the date they are billed until, for issuing invoices.
pub const BILLING_PARTITION: &str = "SUBSCRIPTIONS#BILLING";

/// Pesapal payments of invoices (gsi2) by when they started, for reconciliation.
pub const INVOICE_ATTEMPTS_PARTITION: &str = "INVOICES#ATTEMPTS";

/// The platform's open invoices (gsi2), by due date.
pub const OPEN_INVOICES_PARTITION: &str = "INVOICES#OPEN";

pub fn open_invoice_sort(due: Timestamp, number: u64) -> String {
    format!("{}#{number:012}", time(due))
}

pub fn invoice_attempt(number: u64, reference: &str) -> Key {
    Key::new(invoice_pk(number), format!("ATTEMPT#{reference}"))
}

/// A second payment of a paid invoice, by its Pesapal tracking id (a refund is due).
pub fn invoice_double_payment(number: u64, tracking_id: &str) -> Key {
    let digest = Sha256::digest(tracking_id.as_bytes());
    Key::new(
        invoice_pk(number),
        format!("DOUBLE#{}", hex::encode(&digest[..12])),
    )
}

pub fn invoice_event(number: u64, at: Timestamp, id: &str) -> Key {
    Key::new(invoice_pk(number), format!("EVENT#{}#{id}", time(at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_key_times_are_fixed_width_and_ordered() {
        let a: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        let b: Timestamp = "2026-11-25T10:00:00.5Z".parse().unwrap();
        assert_eq!(time(a), "2026-11-25T10:00:00.000Z");
        assert_eq!(time(b), "2026-11-25T10:00:00.500Z");
        assert!(time(a) < time(b));
    }

    #[test]
    fn every_key_starts_with_the_operator() {
        let at = Timestamp::UNIX_EPOCH;
        for key in [
            operator("o1"),
            router("o1", "r"),
            ticket_type("o1", "t"),
            order("o1", "x"),
            payment_event("o1", "x", at, "e"),
            voucher("o1", "CODE"),
            sale("o1", "2026-01-01", at, "x"),
            day_total("o1", "2026-01-01", Dimension::All),
            day_total("o1", "2026-01-01", Dimension::TicketType("t")),
            customer("o1", "254700000000"),
            merchant_keys("o1"),
            two_factor("o1", "u"),
            subscription("o1"),
            month_usage("o1", "2026-12"),
        ] {
            assert!(key.pk == "OP#o1" || key.pk.starts_with("OP#o1#"), "{key:?}");
        }
    }
}
