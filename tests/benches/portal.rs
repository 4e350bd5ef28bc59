//! Operator portal costs (release build; run `cargo bench -p tiketi-tests --bench portal`):
//! 1. batch generation throughput (vouchers/s) on the embedded store (SQLite) and on DynamoDB
//!    (moto's server: an emulator in Python, so its figure is a floor, not DynamoDB's speed);
//! 2. the owner's dashboard with 1,000,000 sales in the store (a year of them), rendered
//!    through the real portal router: it reads counters, so it must not grow with the sales.
//!
//! moto must be importable by `$TIKETI_MOTO_PYTHON` (as for the tests); without it part 1
//! skips DynamoDB.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{body::Body, http::Request};
use serde_json::{Value, json};
use tiketi_adapters::{
    clock::SystemClock,
    dynamodb::{DynamoTable, create_table},
    memory_queue::InProcessQueue,
    pesapal::PesapalClient,
    sqlite::SqliteTable,
};
use tiketi_app::http::portal::{PortalState, cookie::CookieKey, router};
use tiketi_core::{
    domain::{
        account::{Email, Role, User, hash_password},
        batch::CodeFormat,
        ledger::{Channel, Dimension},
        money::Money,
        voucher::Sale,
    },
    ports::table::{Item, Table, Write, attr},
    services::{
        Adapters, Platform, Settings, Tiketi,
        accounts::{Authenticated, LoginOutcome},
        batches::BatchRequest,
    },
    store::keys,
};
use tower::ServiceExt;

struct Embedded;
impl Platform for Embedded {
    type Table = SqliteTable;
    type Queue = InProcessQueue;
    type Gateway = PesapalClient;
    type Clock = SystemClock;
    type Documents = tiketi_adapters::directory_documents::DirectoryDocuments;
}

struct Dynamo;
impl Platform for Dynamo {
    type Table = DynamoTable;
    type Queue = InProcessQueue;
    type Gateway = PesapalClient;
    type Clock = SystemClock;
    type Documents = tiketi_adapters::directory_documents::DirectoryDocuments;
}

fn tiketi<
    P: Platform<
            Queue = InProcessQueue,
            Gateway = PesapalClient,
            Clock = SystemClock,
            Documents = tiketi_adapters::directory_documents::DirectoryDocuments,
        >,
>(
    table: P::Table,
) -> Tiketi<P> {
    Tiketi::new(
        Adapters {
            table,
            queue: InProcessQueue::new(Duration::from_secs(30), 5),
            gateway: PesapalClient::new("http://127.0.0.1:9", Duration::from_secs(1)),
            clock: SystemClock,
            documents: tiketi_tests::scratch_documents(),
        },
        Settings::new("http://127.0.0.1:9", None),
    )
}

/// The demo operator with a logged-in owner.
async fn owner<P: Platform>(tiketi: &Tiketi<P>) -> Authenticated {
    tiketi.ensure_demo().await.expect("demo");
    let user = User {
        id: "benchowner".into(),
        operator_id: "demo".into(),
        email: Email::parse("bench@example.com").unwrap(),
        name: "Bench".into(),
        phone: None,
        role: Role::Owner,
        password_hash: hash_password("bench password 1", &mut rand::rng()),
        router_ids: Vec::new(),
        commission: None,
        active: true,
        created_at: jiff::Timestamp::now(),
    };
    tiketi.store.add_user(&user).await.expect("owner");
    let LoginOutcome::LoggedIn(session) = tiketi
        .log_in("bench@example.com", "bench password 1")
        .await
        .expect("login")
    else {
        panic!("no two-step login here");
    };
    tiketi
        .authenticate_session("demo", &user.id, &session.id)
        .await
        .expect("session")
}

/// Generates a batch of `quantity` in the calling task (what the queue worker does).
async fn batch_throughput<P: Platform>(
    tiketi: &Tiketi<P>,
    who: &Authenticated,
    quantity: u32,
) -> f64 {
    let request = BatchRequest {
        ticket_type_id: "1d".into(),
        router_id: "demo-router".into(),
        quantity,
        format: CodeFormat::checked(8, "", false).unwrap(),
        note: String::new(),
        use_by: None,
        idempotency_key: None,
    };
    let batch = tiketi.request_batch(who, &request).await.expect("batch");
    let started = Instant::now();
    // Past its time budget a job stops and queues its continuation: run those too.
    loop {
        tiketi
            .generate_batch("demo", &batch.id)
            .await
            .expect("generate");
        let done = tiketi
            .store
            .batch("demo", &batch.id)
            .await
            .unwrap()
            .unwrap();
        if done.generated == quantity {
            break;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    f64::from(quantity) / seconds
}

fn item(pk: String, sk: String, entity: &str, fields: Value) -> Item {
    let Value::Object(mut map) = fields else {
        unreachable!()
    };
    map.insert(attr::PK.into(), pk.into());
    map.insert(attr::SK.into(), sk.into());
    map.insert("entity".into(), entity.into());
    Item(map)
}

/// Writes `total` sales spread over the 365 days up to today, and the counters the sale path
/// would have kept for them.
async fn seed_sales(table: &SqliteTable, total: usize) {
    let today: jiff::civil::Date =
        tiketi_core::services::issuance::business_day(jiff::Timestamp::now(), "Africa/Nairobi")
            .parse()
            .unwrap();
    let tickets = ["1h", "1d", "week", "1gb"];
    let mut counters: std::collections::BTreeMap<(String, String), (i64, i64, i64)> =
        Default::default();
    let mut writes = Vec::with_capacity(100);
    for i in 0..total {
        let day = today
            .checked_sub(jiff::Span::new().days((i % 365) as i64))
            .unwrap()
            .to_string();
        let ticket = tickets[i % tickets.len()];
        let channel = if i % 3 == 0 {
            Channel::Cash
        } else {
            Channel::Online
        };
        let amount = Money(2_000 + (i % 4) as i64 * 3_000);
        let fee = if channel == Channel::Online {
            Money(amount.minor() * 35 / 1_000)
        } else {
            Money(0)
        };
        let sold_at =
            jiff::Timestamp::now() - jiff::SignedDuration::from_hours((i % 365) as i64 * 24);
        let sale = Sale {
            operator_id: "demo".into(),
            order_id: format!("bench{i:08}"),
            voucher_code: format!("S{i:09}"),
            router_id: "demo-router".into(),
            ticket_type_id: ticket.into(),
            ticket_name: ticket.into(),
            amount,
            currency: "KES".into(),
            channel,
            fee,
            commission: Money(0),
            seller: None,
            phone: None,
            payment_method: None,
            confirmation_code: None,
            sold_at,
        };
        let key = keys::sale("demo", &day, sold_at, &sale.order_id);
        writes.push(Write::put(item(key.pk, key.sk, "sale", json!(sale))));
        for dimension in [
            Dimension::All,
            Dimension::TicketType(ticket),
            Dimension::Router("demo-router"),
            Dimension::Channel(channel),
        ] {
            let key = keys::day_total("demo", &day, dimension);
            let c = counters.entry((key.pk, key.sk)).or_default();
            *c = (c.0 + 1, c.1 + amount.minor(), c.2 + fee.minor());
        }
        if writes.len() == 100 {
            table
                .transact(std::mem::take(&mut writes))
                .await
                .expect("seed");
        }
    }
    for ((pk, sk), (count, amount, fee)) in counters {
        let fields = json!({"count": count, "amount_minor": amount, "fee_minor": fee});
        writes.push(Write::put(item(pk, sk, "day_total", fields)));
        if writes.len() == 100 {
            table
                .transact(std::mem::take(&mut writes))
                .await
                .expect("seed");
        }
    }
    if !writes.is_empty() {
        table.transact(writes).await.expect("seed");
    }
}

async fn dashboard_ms(app: &axum::Router, cookie: &str, chart: &str) -> f64 {
    let started = Instant::now();
    let answer = app
        .clone()
        .oneshot(
            Request::get(format!("/portal?chart={chart}"))
                .header("cookie", format!("tiketi_session={cookie}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body = axum::body::to_bytes(answer.into_body(), 4 << 20)
        .await
        .unwrap();
    assert!(body.len() > 1_000);
    started.elapsed().as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // 1. Batch throughput.
    let embedded = tiketi::<Embedded>(SqliteTable::in_memory().expect("sqlite"));
    let who = owner(&embedded).await;
    let rate = batch_throughput(&embedded, &who, 10_000).await;
    println!("batch of 10,000 on SQLite (in memory): {rate:.0} vouchers/s");
    let dir = tempfile::tempdir().unwrap();
    let on_disk =
        tiketi::<Embedded>(SqliteTable::open(&dir.path().join("bench.db")).expect("sqlite"));
    let who = owner(&on_disk).await;
    let rate = batch_throughput(&on_disk, &who, 10_000).await;
    println!("batch of 10,000 on SQLite (file): {rate:.0} vouchers/s");
    if std::process::Command::new(std::env::var("TIKETI_MOTO_PYTHON").unwrap_or("python3".into()))
        .args(["-c", "import moto"])
        .status()
        .is_ok_and(|s| s.success())
    {
        let moto = tiketi_tests::moto::Moto::start().await;
        let client = moto.dynamodb().await;
        create_table(&client, "bench").await.expect("table");
        let dynamo = tiketi::<Dynamo>(DynamoTable::new(client, "bench"));
        let who = owner(&dynamo).await;
        let rate = batch_throughput(&dynamo, &who, 500).await;
        println!("batch of 500 on DynamoDB (moto server, serial): {rate:.0} vouchers/s");
    } else {
        println!("DynamoDB batch skipped: moto is not installed");
    }

    // 2. The dashboard over a million sales.
    let table = SqliteTable::in_memory().expect("sqlite");
    let seeding = Instant::now();
    let tiketi = Arc::new(tiketi::<Embedded>(table.clone()));
    let who = owner(&tiketi).await;
    seed_sales(&table, 1_000_000).await;
    println!(
        "seeded 1,000,000 sales in {:.0} s",
        seeding.elapsed().as_secs_f64()
    );
    let key = CookieKey::from_hex(&"ab".repeat(32)).unwrap();
    let cookie = key.session_cookie(who.session().expect("a portal login"));
    let app = router(PortalState::new(Arc::clone(&tiketi), key));
    for chart in ["daily", "weekly", "monthly"] {
        dashboard_ms(&app, &cookie, chart).await;
        let mut times: Vec<f64> = Vec::new();
        for _ in 0..20 {
            times.push(dashboard_ms(&app, &cookie, chart).await);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "dashboard ({chart} chart) with 1,000,000 sales: median {:.1} ms, max {:.1} ms",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
