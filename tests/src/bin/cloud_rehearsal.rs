//! The cloud rehearsal: Tiketi as `template.yaml` deploys it, on one machine, with no AWS
//! account (see `tests/src/cloud` and `scripts/cloud-rehearsal`). It starts the emulated stack,
//! drives the product's whole story through it over HTTP, checks that no call needed a
//! permission the template does not grant, measures what each function costs, and prints
//! `N passed, M failed` (exit status 1 on any failure).
//!
//! `cloud_rehearsal [--lambda-dir DIR] [--logs DIR] [--report FILE]`

use std::{path::PathBuf, process::ExitCode};

use tiketi_tests::{
    cloud::{
        checks::{Checks, ensure},
        costs::{AF_SOUTH_1, US_EAST_1},
        platform, scenarios,
        stack::{CloudStack, Options},
        story,
    },
    repo_path,
};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber_init();
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let options = Options {
        template: repo_path("template.yaml"),
        manifest: repo_path("Cargo.toml"),
        lambda_dir: arg("--lambda-dir")
            .map_or_else(|| PathBuf::from(&target).join("lambda"), PathBuf::from),
        logs: arg("--logs").map_or_else(
            || PathBuf::from(&target).join("cloud-rehearsal"),
            PathBuf::from,
        ),
        pollers: 2,
    };
    println!(
        "cloud rehearsal: template {}, functions from {}, logs in {}",
        options.template.display(),
        options.lambda_dir.display(),
        options.logs.display()
    );
    let stack = match CloudStack::start(&options).await {
        Ok(stack) => stack,
        Err(error) => {
            println!("the stack did not start: {error}");
            println!("0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    println!("HTTP API at {}", stack.api.base_url);
    for (binary, front) in &stack.function_urls {
        println!("function URL of {binary} at {}", front.base_url);
    }
    let mut checks = Checks::default();
    let mut measured = None;
    if let Some(story) = story::run(&stack, &mut checks).await {
        story::poison(&stack, &mut checks).await;
        story::burst(&story, &mut checks).await;
        measured = scenarios::measure(&stack, &story, &mut checks).await;
        story::batch(&story, &mut checks).await;
    }
    platform::run(&stack, &mut checks).await;

    let ledger = stack.gate.ledger();
    let denied = ledger.denied.clone();
    checks
        .run(
            "no call needed a permission the template does not grant",
            async move {
                ensure(denied.is_empty(), || {
                    denied
                        .iter()
                        .map(|(who, call)| format!("{who}: {} on {}", call.action, call.resource))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
            },
        )
        .await;
    let runs = stack.sources.stats().runs;
    checks
        .run(
            "the schedule ran the expiry function, without errors",
            async move {
                ensure(!runs.is_empty(), || "no scheduled run".into())?;
                let failed: Vec<_> = runs.iter().filter(|(_, r)| r.outcome.is_err()).collect();
                ensure(failed.is_empty(), || format!("{failed:?}"))
            },
        )
        .await;

    if let Some(measured) = measured {
        scenarios::print(&measured);
        if let Some(path) = arg("--report") {
            let report = serde_json::json!({
                "measured": measured,
                "monthly": [measured.monthly(&AF_SOUTH_1), measured.monthly(&US_EAST_1)],
                "cold_starts_ms": stack.lambda.stats().iter().map(|(b, s)| (b.clone(), s.cold_starts.iter().map(|d| d.as_millis()).collect::<Vec<_>>())).collect::<std::collections::BTreeMap<_, _>>(),
            });
            if let Err(error) = std::fs::write(
                &path,
                serde_json::to_string_pretty(&report).unwrap_or_default(),
            ) {
                println!("cannot write {path}: {error}");
            }
        }
    }

    // Each function's start-up alone (the story's cold starts ran beside other work), and its
    // package as deployed.
    println!();
    let mut packages = std::collections::BTreeMap::new();
    let mut binaries: Vec<String> = stack
        .lambda
        .specs()
        .iter()
        .map(|s| s.binary.clone())
        .collect();
    binaries.sort();
    for binary in &binaries {
        let mut starts = Vec::new();
        for _ in 0..3 {
            if let Some(init) = stack.lambda.measure_cold_start(binary).await {
                starts.push(init.as_secs_f64() * 1000.0);
            }
        }
        starts.sort_by(f64::total_cmp);
        let zip = std::fs::metadata(options.lambda_dir.join(binary).join("bootstrap.zip"))
            .map(|m| m.len())
            .unwrap_or(0);
        println!(
            "{binary:12} package {:.2} MB zipped, start-up {} ms (median of {:?})",
            zip as f64 / 1e6,
            starts
                .get(starts.len() / 2)
                .map_or("?".into(), |m| format!("{m:.0}")),
            starts.iter().map(|m| m.round()).collect::<Vec<_>>()
        );
        packages.insert(
            binary.clone(),
            serde_json::json!({"zip_bytes": zip, "init_ms": starts}),
        );
    }
    if let Some(path) = arg("--report")
        && let Ok(text) = std::fs::read_to_string(&path)
        && let Ok(mut report) = serde_json::from_str::<serde_json::Value>(&text)
    {
        report["packages"] = serde_json::json!(packages);
        let _ = std::fs::write(
            &path,
            serde_json::to_string_pretty(&report).unwrap_or_default(),
        );
    }

    println!();
    for (binary, stats) in stack.lambda.stats() {
        let cold: Vec<String> = stats
            .cold_starts
            .iter()
            .map(|d| format!("{} ms", d.as_millis()))
            .collect();
        println!(
            "{binary:12} invocations {:5}  errors {:3}  timeouts {}  throttles {}  cold starts [{}]  logs {} B",
            stats.invocations,
            stats.errors,
            stats.timeouts,
            stats.throttles,
            cold.join(", "),
            stats.log_bytes
        );
    }
    for (who, units) in &ledger.dynamodb {
        println!(
            "{who:24} DynamoDB {:.1} RRU, {} WRU",
            units.read_units(),
            units.write
        );
    }
    println!();
    println!("{}", checks.summary());
    if checks.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn tracing_subscriber_init() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
}
