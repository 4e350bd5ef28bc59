//! Router-side costs (release build; run `cargo bench -p tiketi-tests --bench routers`):
//! 1. the voucher script of a 10,000-voucher batch;
//! 2. a sync response for a router with a 100,000-voucher backlog (nothing on the router yet);
//! 3. the expiry sweep's store traffic against the number of vouchers stored (100 due each time).
//!
//! Each prints wall time; (1) and (2) also the process's peak resident memory so far.

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use tiketi_adapters::{
    clock::SystemClock, memory_queue::InProcessQueue, pesapal::PesapalClient, sqlite::SqliteTable,
};
use tiketi_core::{
    domain::{
        catalog::TicketTerms,
        voucher::{Origin, Voucher, VoucherStatus},
    },
    ports::Clock,
    routeros,
    services::{Adapters, Platform, Settings, Tiketi},
};
use tiketi_tests::counting::CountingTable;

struct Bench;
impl Platform for Bench {
    type Table = CountingTable<SqliteTable>;
    type Queue = InProcessQueue;
    type Gateway = PesapalClient;
    type Clock = SystemClock;
    type Documents = tiketi_adapters::directory_documents::DirectoryDocuments;
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

async fn system() -> (
    Tiketi<Bench>,
    std::sync::Arc<tiketi_tests::counting::Counts>,
    TicketTerms,
) {
    let table = CountingTable::new(SqliteTable::in_memory().expect("sqlite"));
    let counts = std::sync::Arc::clone(&table.counts);
    let tiketi = Tiketi::<Bench>::new(
        Adapters {
            table,
            queue: InProcessQueue::new(Duration::from_secs(30), 5),
            gateway: PesapalClient::new("http://127.0.0.1:9", Duration::from_secs(1)),
            clock: SystemClock,
            documents: tiketi_tests::scratch_documents(),
        },
        Settings::new("http://127.0.0.1:9", None),
    );
    tiketi.ensure_demo().await.expect("demo");
    let terms = TicketTerms::from(
        &tiketi
            .store
            .ticket_type("demo", "1gb")
            .await
            .expect("store")
            .expect("1gb"),
    );
    (tiketi, counts, terms)
}

fn vouchers(
    n: usize,
    from: usize,
    terms: &TicketTerms,
    status: VoucherStatus,
    expires: impl Fn(usize) -> Option<Timestamp>,
) -> Vec<Voucher> {
    let now = Timestamp::now();
    (from..from + n)
        .map(|i| {
            let origin = Origin::Batch {
                batch_id: "bench".into(),
            };
            let login = (format!("B{i:09}"), format!("B{i:09}"));
            Voucher {
                status,
                activated_at: expires(i).map(|_| now),
                expires_at: expires(i),
                ..Voucher::unused(login, "demo", "demo-router", terms.clone(), origin, now)
            }
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // 1. Voucher script of a 10,000-voucher batch.
    let (_, _, terms) = system().await;
    let batch = vouchers(10_000, 0, &terms, VoucherStatus::Unused, |_| None);
    let started = Instant::now();
    let users: Vec<_> = batch.iter().map(routeros::user_for).collect();
    let script = routeros::users_script(&users);
    println!(
        "voucher script, 10,000 vouchers: {:.1} ms, {:.1} MB of script, peak RSS {:.0} MB",
        started.elapsed().as_secs_f64() * 1e3,
        script.len() as f64 / 1e6,
        peak_rss_mb()
    );

    // 2. Sync with a 100,000-voucher backlog.
    let (tiketi, counts, terms) = system().await;
    tiketi
        .store
        .create_vouchers(&vouchers(100_000, 0, &terms, VoucherStatus::Unused, |_| {
            None
        }))
        .await
        .expect("create");
    let router = tiketi
        .store
        .router("demo", "demo-router")
        .await
        .expect("store")
        .expect("router");
    counts.reset();
    let started = Instant::now();
    let plan = tiketi.sync_plan(&router).await.expect("plan");
    let script = plan.script();
    let (calls, read, _) = counts.get();
    println!(
        "sync, 100,000-voucher backlog: {:.0} ms for one page of {} users ({:.0} kB of script; {} store calls, {} items read), peak RSS {:.0} MB",
        started.elapsed().as_secs_f64() * 1e3,
        plan.add.len(),
        script.len() as f64 / 1e3,
        calls,
        read,
        peak_rss_mb()
    );

    // 3. Expiry sweep cost against vouchers stored (100 due each time).
    for stored in [1_000, 10_000, 100_000] {
        let (tiketi, counts, terms) = system().await;
        let now = tiketi.clock.now();
        let later = vouchers(stored, 0, &terms, VoucherStatus::Active, |i| {
            Some(now + SignedDuration::from_hours(1 + (i % 1_000) as i64))
        });
        let due = vouchers(100, stored, &terms, VoucherStatus::Active, |_| {
            Some(now - SignedDuration::from_mins(1))
        });
        tiketi.store.create_vouchers(&later).await.expect("create");
        tiketi.store.create_vouchers(&due).await.expect("create");
        tiketi
            .store
            .set_expiry_swept_until("demo", now - SignedDuration::from_mins(10))
            .await
            .expect("mark");
        counts.reset();
        let started = Instant::now();
        let report = tiketi.sweep_expired().await.expect("sweep");
        let (calls, read, written) = counts.get();
        println!(
            "expiry sweep, {stored:>7} vouchers stored, {} due: {:.1} ms, {calls} store calls, {read} items read, {written} written",
            report.expired,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}
