//! Purchase throughput of the local host: N orders are placed over HTTP and paid at the Pesapal
//! stand-in (not measured); then their IPNs are sent over HTTP, `BENCH_CONCURRENCY` at a time,
//! and the bench reports orders/s and the latency from IPN sent to voucher stored (the voucher's
//! own `created_at`, so polling adds nothing). Run: `cargo bench -p tiketi-tests --bench purchases`
//! (`BENCH_ORDERS`, default 300; `BENCH_CONCURRENCY`, default 8).

use std::time::{Duration, Instant};

use futures::StreamExt;
use tiketi_tests::app::spawn_app;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (orders, concurrency) = (env("BENCH_ORDERS", 300), env("BENCH_CONCURRENCY", 8));
    let app = spawn_app().await;
    let mut placed = Vec::with_capacity(orders);
    for i in 0..orders {
        let order = app
            .place_order("1h", &format!("07{:08}", 10_000_000 + i))
            .await;
        app.sandbox()
            .complete(&order.tracking_id, false)
            .await
            .expect("sandbox");
        placed.push(order);
    }
    eprintln!(
        "{orders} orders placed and paid at the stand-in; sending IPNs, {concurrency} at a time"
    );

    let start = Instant::now();
    let start_wall = jiff::Timestamp::now();
    let sent: Vec<(String, jiff::Timestamp)> = futures::stream::iter(placed.iter())
        .map(|order| async {
            let at = jiff::Timestamp::now();
            let ack = app
                .send_ipn(&order.tracking_id, &format!("TK-{}", order.order_id))
                .await;
            assert_eq!(ack["status"], 200);
            (order.order_id.clone(), at)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut latencies = Vec::with_capacity(orders);
    let mut last_voucher = start_wall;
    for (order_id, sent_at) in &sent {
        let voucher = app.wait_for_voucher(order_id).await;
        last_voucher = last_voucher.max(voucher.created_at);
        let latency = voucher.created_at.duration_since(*sent_at);
        latencies.push(Duration::try_from(latency).unwrap_or_default());
    }
    let elapsed =
        Duration::try_from(last_voucher.duration_since(start_wall)).unwrap_or(start.elapsed());
    latencies.sort();
    println!(
        "purchases: {orders} orders, IPN concurrency {concurrency}, local host (SQLite, in-process queue, sandbox over HTTP)"
    );
    println!(
        "  throughput: {:.1} orders/s (first IPN sent to last voucher stored: {:.2} s)",
        orders as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!(
        "  IPN received -> voucher stored: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.90).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}
