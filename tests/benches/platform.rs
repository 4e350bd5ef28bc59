//! The administrator's statistics page at 10 and at 10,000 operators (release build; run
//! `cargo bench -p tiketi-tests --bench platform`): it reads the platform's day counters, so its
//! reads (and time) must not grow with the operators. Each operator signs up as the portal
//! does (operator, owner, login, subscription, first invoice, directory, day counters) on the
//! embedded store, counted by `CountingTable`; a sale a day per operator is not needed: the
//! counters are the same items whatever their values.

use std::{
    sync::atomic::Ordering::Relaxed,
    time::{Duration, Instant},
};

use tiketi_adapters::{
    clock::SystemClock, memory_queue::InProcessQueue, pesapal::PesapalClient, sqlite::SqliteTable,
};
use tiketi_core::{
    domain::{
        account::{Email, Role, User, hash_password},
        catalog::{DEFAULT_GATEWAY_FEE, Operator},
        ledger::Rate,
        subscription::Subscription,
    },
    services::{Adapters, Platform, Settings, Tiketi},
};
use tiketi_tests::counting::CountingTable;

struct Counted;
impl Platform for Counted {
    type Table = CountingTable<SqliteTable>;
    type Queue = InProcessQueue;
    type Gateway = PesapalClient;
    type Clock = SystemClock;
    type Documents = tiketi_adapters::directory_documents::DirectoryDocuments;
}

fn tiketi(table: CountingTable<SqliteTable>) -> Tiketi<Counted> {
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

/// Signs `count` operators up, as the portal's sign-up writes them (one password hash for all:
/// hashing is not what is measured).
async fn sign_up(tiketi: &Tiketi<Counted>, numbers: std::ops::Range<usize>, hash: &str) {
    let now = jiff::Timestamp::now();
    for i in numbers {
        let id = ulid::Ulid::new().to_string();
        let operator = Operator {
            id: id.clone(),
            business_name: format!("Hotspot {i}"),
            currency: "KES".into(),
            time_zone: "Africa/Nairobi".into(),
            country_code: "KE".into(),
            voucher_code_length: 8,
            created_at: now,
            gateway_fee: DEFAULT_GATEWAY_FEE,
            agent_commission: Rate::default(),
        };
        let owner = User {
            id: ulid::Ulid::new().to_string(),
            operator_id: id.clone(),
            email: Email::parse(&format!("owner{i}@example.com")).unwrap(),
            name: operator.business_name.clone(),
            phone: Some(format!("2547{i:08}")),
            role: Role::Owner,
            password_hash: hash.to_owned(),
            router_ids: Vec::new(),
            commission: None,
            active: true,
            created_at: now,
        };
        let plan = ["basic", "professional", "enterprise"][i % 3];
        let subscription = Subscription::start_trial(&id, plan, now);
        tiketi
            .store
            .create_operator_account(&operator, &owner, &subscription)
            .await
            .unwrap();
        tiketi.issue_due_invoices(&id).await.unwrap();
    }
}

async fn measure(tiketi: &Tiketi<Counted>, operators: usize) {
    let counts = &tiketi.store.table().counts;
    // Warm the statement cache and the file pages, then measure.
    tiketi.platform_stats().await.unwrap();
    counts.reset();
    let runs = 20;
    let started = Instant::now();
    for _ in 0..runs {
        let stats = tiketi.platform_stats().await.unwrap();
        assert_eq!(stats.days.len(), 30);
    }
    let each = started.elapsed() / runs;
    let (calls, items, _) = counts.get();
    println!(
        "statistics page, {operators:>6} operators: {:.2} ms, {} store calls, {} items read",
        each.as_secs_f64() * 1000.0,
        calls / runs as usize,
        items / runs as usize,
    );
    counts.reset();
    let started = Instant::now();
    let rows = tiketi.admin_operators("Hotspot 1").await.unwrap();
    let took = started.elapsed();
    println!(
        "operator search,  {operators:>6} operators: {:.2} ms, {} rows, {} store calls",
        took.as_secs_f64() * 1000.0,
        rows.len(),
        counts.calls.load(Relaxed)
    );
}

#[tokio::main]
async fn main() {
    let hash = hash_password("bench password 1", &mut rand::rng());
    let dir = tempfile::tempdir().unwrap();
    let table = CountingTable::new(SqliteTable::open(&dir.path().join("tiketi.db")).unwrap());
    let tiketi = tiketi(table);
    sign_up(&tiketi, 0..10, &hash).await;
    measure(&tiketi, 10).await;
    let started = Instant::now();
    sign_up(&tiketi, 10..10_000, &hash).await;
    println!(
        "(signed up 9,990 more operators in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    measure(&tiketi, 10_000).await;
}
