//! The cost scenarios: what a router, a sale and the scheduled pass cost, measured on the
//! rehearsal's stack (`costs` prices them; `docs/costs.md` explains the formula).
//!
//! - **busy router**: 30 customers online, each using a minute and 2 MB between two runs of
//!   `tiketi-sync`; measured over [`CYCLES`] runs after their vouchers are active;
//! - **idle router**: no customers; the same runs;
//! - **heartbeat**: a run that writes the router's report time, as one does every 5 minutes
//!   (`domain::router_state::HEARTBEAT`) even when nothing changed (measured by a run whose
//!   report says the router was upgraded, which is also written at once), on each router: its
//!   cost grows with what the router's state item holds;
//! - **voucher life**: what one more voucher costs the busy router, from its sale's change
//!   counter bump through its load onto the router, first login, use, used up and removal
//!   (over its runs, less the busy router's cost of as many runs);
//! - **sale**: a customer's purchase, checkout page to voucher on the order page;
//! - **scheduled pass**: one run of the expiry function when nothing is due, invoked as the
//!   schedule invokes it (after the hourly pool top-up has run), with the rehearsal's operator
//!   and its routers in the store.
//!
//! Runs of the routers follow each other at once, not a minute apart: what each costs does not
//! depend on the time between them.

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;

use super::{
    checks::{Checks, ensure},
    costs::{AF_SOUTH_1, Bill, Meter, Prices, US_EAST_1, Usage, bill},
    stack::CloudStack,
    story::{SimulatedRouter, Story, buy},
};

/// Router runs measured per scenario.
pub const CYCLES: u32 = 20;
/// Customers on the busy router.
pub const BUSY_USERS: usize = 30;
/// Sales measured.
pub const SALES: u32 = 5;
/// Minutes in a 30-day month: one `tiketi-sync` run and one scheduled pass each.
pub const MINUTES_A_MONTH: f64 = 43_200.0;
/// Sales a day of the busy router.
pub const SALES_A_DAY: f64 = 50.0;
/// Heartbeats in a 30-day month.
pub const HEARTBEATS_A_MONTH: f64 = MINUTES_A_MONTH / 5.0;

/// The measured usages, per unit.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Measured {
    pub busy_run: Usage,
    pub idle_run: Usage,
    /// One run of each that writes the router's report time.
    pub busy_heartbeat_run: Usage,
    pub idle_heartbeat_run: Usage,
    /// One more voucher's whole life on the busy router, and how many runs that took.
    pub voucher_life: Usage,
    pub voucher_life_runs: u32,
    pub sale: Usage,
    pub pass: Usage,
}

/// Monthly bills in one region.
#[derive(Debug, Clone, Serialize)]
pub struct Monthly {
    pub region: &'static str,
    /// The busy router: its runs for a month and its vouchers' tracking.
    pub busy_router: Bill,
    pub idle_router: Bill,
    /// Tracking one voucher's use, beyond what its router's runs cost anyway.
    pub voucher_tracking_each: f64,
    pub per_thousand_sales: Bill,
    /// The scheduled pass, every minute, whatever the number of routers.
    pub scheduled_pass: Bill,
}

fn total(bill: &Bill) -> f64 {
    bill.total()
}

impl Measured {
    pub fn monthly(&self, prices: &Prices) -> Monthly {
        let busy_run = bill(&self.busy_run, prices);
        let idle_run = bill(&self.idle_run, prices);
        let life = bill(&self.voucher_life, prices);
        let tracking =
            (total(&life) - f64::from(self.voucher_life_runs) * total(&busy_run)).max(0.0);
        let with_heartbeats = |mut bill: Bill, heartbeat: &Usage, run: &Bill| {
            let extra = (total(&super::costs::bill(heartbeat, prices)) - total(run)).max(0.0);
            *bill
                .lines
                .entry("heartbeats (every 5 minutes)".into())
                .or_insert(0.0) += extra * HEARTBEATS_A_MONTH;
            bill
        };
        let mut busy = with_heartbeats(
            bill(&self.busy_run.scaled(MINUTES_A_MONTH), prices),
            &self.busy_heartbeat_run,
            &busy_run,
        );
        *busy
            .lines
            .entry("voucher tracking (1,500 vouchers)".into())
            .or_insert(0.0) += tracking * SALES_A_DAY * 30.0;
        let idle = with_heartbeats(
            bill(&self.idle_run.scaled(MINUTES_A_MONTH), prices),
            &self.idle_heartbeat_run,
            &idle_run,
        );
        Monthly {
            region: prices.region,
            busy_router: busy,
            idle_router: idle,
            voucher_tracking_each: tracking,
            per_thousand_sales: bill(&self.sale.scaled(1000.0), prices),
            scheduled_pass: bill(&self.pass.scaled(MINUTES_A_MONTH), prices),
        }
    }
}

async fn new_router(story: &Story, name: &str) -> Result<SimulatedRouter, String> {
    let id = story.owner.add_router(name).await;
    let answer = story
        .owner
        .post(&format!("/portal/routers/{id}/setup.rsc"), &[])
        .await;
    let script = answer.text().await.map_err(|e| e.to_string())?;
    SimulatedRouter::from_setup_script(&id, &script)
}

async fn make_vouchers(
    story: &Story,
    router_id: &str,
    ticket_type_id: &str,
    n: usize,
) -> Result<Vec<String>, String> {
    let mut codes = Vec::new();
    for _ in 0..n {
        let answer = story
            .api
            .post(
                "/api/v1/vouchers",
                &json!({"ticket_type_id": ticket_type_id, "router_id": router_id}),
            )
            .await;
        ensure(answer.status.is_success(), || {
            format!("voucher: {}", answer.body)
        })?;
        let code = answer.body["code"]
            .as_str()
            .or_else(|| answer.body["data"]["code"].as_str())
            .ok_or_else(|| format!("no code in {}", answer.body))?;
        codes.push(code.to_owned());
    }
    Ok(codes)
}

/// Runs the scenarios (after the story, on its operator). Each is a check.
pub async fn measure(
    stack: &CloudStack,
    story: &Arc<Story>,
    checks: &mut Checks,
) -> Option<Measured> {
    let meter = Meter::new(stack);
    let mut measured = Measured::default();

    // A day pass for the busy router's customers.
    let s = Arc::clone(story);
    let day_pass = checks
        .run("costs: the operator adds a day pass", async move {
            let answer = s
                .owner
                .add_ticket_type(
                    "Rehearsal Day",
                    &[
                        ("kind", "time"),
                        ("amount", "24"),
                        ("unit", "hours"),
                        ("price", "100"),
                    ],
                )
                .await;
            ensure(answer.status().as_u16() == 303, || {
                format!("{}", answer.status())
            })?;
            let list = s.api.ok("/api/v1/ticket-types").await;
            list["data"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["name"] == "Rehearsal Day")
                .and_then(|t| t["id"].as_str().map(str::to_owned))
                .ok_or_else(|| "no day pass".into())
        })
        .await?;

    let s = Arc::clone(story);
    let day = day_pass.clone();
    let busy = checks
        .run(
            &format!("costs: a router with {BUSY_USERS} customers online"),
            async move {
                let mut router = new_router(&s, "Busy Router").await?;
                let codes = make_vouchers(&s, &router.id, &day, BUSY_USERS).await?;
                router.run_sync().await?;
                for code in &codes {
                    router.model.use_data(code, 60, 1_000_000);
                }
                router.run_sync().await?;
                router.run_sync().await?;
                let active = codes
                    .iter()
                    .filter(|c| router.model.users.contains_key(*c))
                    .count();
                ensure(active == BUSY_USERS, || {
                    format!("{active} of {BUSY_USERS} on the router")
                })?;
                Ok((router, codes))
            },
        )
        .await?;
    let (mut busy_router, busy_codes) = busy;
    let before = meter.snapshot();
    let mut failed = None;
    for _ in 0..CYCLES {
        for code in &busy_codes {
            busy_router.model.use_data(code, 60, 2_000_000);
        }
        if let Err(error) = busy_router.run_sync().await {
            failed = Some(error);
            break;
        }
    }
    measured.busy_run = meter.since(&before).scaled(1.0 / f64::from(CYCLES));
    let use_a_minute = |router: &mut SimulatedRouter| {
        for code in &busy_codes {
            router.model.use_data(code, 60, 2_000_000);
        }
    };
    use_a_minute(&mut busy_router);
    busy_router.version = "7.17 (stable)".into();
    let before = meter.snapshot();
    let heartbeat = busy_router.run_sync().await;
    measured.busy_heartbeat_run = meter.since(&before);
    if let Err(error) = heartbeat {
        failed.get_or_insert(error);
    }
    checks
        .run(
            &format!("costs: {CYCLES} runs and a heartbeat of the busy router measured"),
            async move { failed.map_or(Ok(()), Err) },
        )
        .await;

    // One more voucher, sold for the busy router: its whole life there.
    let s = Arc::clone(story);
    let (data_pass, router_id) = (story.ticket_type_id.clone(), busy_router.id.clone());
    let made = checks
        .run("costs: a 100 MB voucher for the busy router", async move {
            make_vouchers(&s, &router_id, &data_pass, 1).await
        })
        .await;
    if let Some(codes) = made {
        let code = codes[0].clone();
        let before = meter.snapshot();
        let mut runs = 0;
        let mut failed = None;
        let mut loaded = false;
        // Loaded at the first run; then 10 MB a minute: used up after ten runs, removed at
        // the run that reports it used up.
        while runs < 20 && (!loaded || busy_router.model.users.contains_key(&code)) {
            use_a_minute(&mut busy_router);
            if busy_router.model.users.contains_key(&code) {
                loaded = true;
                busy_router.model.use_data(&code, 60, 10_000_000);
            }
            runs += 1;
            if let Err(error) = busy_router.run_sync().await {
                failed = Some(error);
                break;
            }
        }
        measured.voucher_life = meter.since(&before);
        measured.voucher_life_runs = runs;
        let gone = loaded && !busy_router.model.users.contains_key(&code);
        checks
            .run(
                "costs: the voucher was loaded, used up and removed",
                async move {
                    failed.map_or(Ok(()), Err)?;
                    ensure(gone, || format!("loaded {loaded}, after {runs} runs"))
                },
            )
            .await;
    }

    let s = Arc::clone(story);
    let idle = checks
        .run("costs: a router with no customers", async move {
            let mut router = new_router(&s, "Idle Router").await?;
            router.run_sync().await?;
            router.run_sync().await?;
            Ok(router)
        })
        .await;
    if let Some(mut idle_router) = idle {
        let before = meter.snapshot();
        let mut failed = None;
        for _ in 0..CYCLES {
            if let Err(error) = idle_router.run_sync().await {
                failed = Some(error);
                break;
            }
        }
        measured.idle_run = meter.since(&before).scaled(1.0 / f64::from(CYCLES));
        idle_router.version = "7.17 (stable)".into();
        let before = meter.snapshot();
        let heartbeat = idle_router.run_sync().await;
        measured.idle_heartbeat_run = meter.since(&before);
        if let Err(error) = heartbeat {
            failed.get_or_insert(error);
        }
        checks
            .run(
                &format!("costs: {CYCLES} runs of the idle router measured"),
                async move { failed.map_or(Ok(()), Err) },
            )
            .await;
    }

    let before = meter.snapshot();
    let mut sold = 0;
    for i in 0..SALES {
        let s = Arc::clone(story);
        let phone = format!("07123450{i:02}");
        if checks
            .run(&format!("costs: sale {} of {SALES}", i + 1), async move {
                buy(&s, &phone).await
            })
            .await
            .is_some()
        {
            sold += 1;
        }
    }
    if sold > 0 {
        measured.sale = meter.since(&before).scaled(1.0 / f64::from(sold));
    }

    // A scheduled pass with nothing due, as EventBridge invokes it (twice: the first may still
    // be the hour's pool top-up).
    let event = serde_json::to_vec(&json!({
        "version": "0", "id": "costs", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": jiff::Timestamp::now().to_string(),
        "region": "us-east-1", "resources": [], "detail": {},
    }))
    .unwrap_or_default();
    let mut outcome = None;
    for _ in 0..2 {
        let before = meter.snapshot();
        outcome = Some(stack.lambda.invoke("expiry", event.clone()).await);
        measured.pass = meter.since(&before);
    }
    checks
        .run(
            "costs: a scheduled pass with nothing due measured",
            async move {
                match outcome {
                    Some(super::lambda::Outcome::Ok(_)) => Ok(()),
                    other => Err(format!("{other:?}")),
                }
            },
        )
        .await;
    Some(measured)
}

/// Prints the monthly bills of both regions.
pub fn print(measured: &Measured) {
    for prices in [AF_SOUTH_1, US_EAST_1] {
        let m = measured.monthly(&prices);
        println!();
        println!(
            "costs in {} (USD a month; list prices, no free tier)",
            m.region
        );
        for (name, bill) in [
            ("busy router (30 online, 50 sales a day)", &m.busy_router),
            ("idle router", &m.idle_router),
            ("1,000 sales", &m.per_thousand_sales),
            ("the scheduled pass (whole platform)", &m.scheduled_pass),
        ] {
            println!("  {name:42} {:>10.4}", bill.total());
            for (line, usd) in &bill.lines {
                if *usd > 0.0 {
                    println!("      {line:38} {usd:>10.4}");
                }
            }
        }
        println!(
            "  tracking one voucher's use: {:.6}",
            m.voucher_tracking_each
        );
    }
}
