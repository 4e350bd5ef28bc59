//! What the stack costs on AWS, from the rehearsal's own counts: a [`Meter`] snapshots every
//! counter (the gate's books, each function's invocations and durations and log bytes, the
//! fronts' requests), the difference of two snapshots is the [`Usage`] of what ran between
//! them, and [`bill`] prices it. `docs/costs.md` explains the formula and the figures.
//!
//! Prices are on-demand list prices without free tiers, read from AWS's pricing-calculator
//! price files (`b0.p.awsstatic.com/pricing/2.0/meteredUnitMaps/<service>/USD/current`, as
//! published between August and October 2025); the two marked *estimated* had no Cape Town
//! figure there.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    front::FrontStats,
    gate::Ledger,
    lambda::{FunctionStats, LambdaService},
    stack::CloudStack,
};

/// On-demand prices in USD.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Prices {
    pub region: &'static str,
    pub lambda_per_million_requests: f64,
    /// arm64 (Graviton), per GB-second.
    pub lambda_per_gb_second: f64,
    pub http_api_per_million: f64,
    pub dynamodb_per_million_rru: f64,
    pub dynamodb_per_million_wru: f64,
    pub sqs_per_million: f64,
    pub s3_per_thousand_puts: f64,
    pub s3_per_thousand_gets: f64,
    pub logs_per_gb_ingested: f64,
    pub secrets_per_ten_thousand_calls: f64,
}

/// Africa (Cape Town), the region nearest Kenya. SQS and Secrets Manager: estimated (us-east-1's
/// SQS price times Cape Town's usual 1.35 premium on request prices; Secrets Manager's price is
/// the same in every region on AWS's page).
pub const AF_SOUTH_1: Prices = Prices {
    region: "af-south-1",
    lambda_per_million_requests: 0.27,
    lambda_per_gb_second: 0.000_017_68,
    http_api_per_million: 1.32,
    dynamodb_per_million_rru: 0.168,
    dynamodb_per_million_wru: 0.84,
    sqs_per_million: 0.54,
    s3_per_thousand_puts: 0.006,
    s3_per_thousand_gets: 0.0004,
    logs_per_gb_ingested: 0.678,
    secrets_per_ten_thousand_calls: 0.05,
};

/// US East (N. Virginia), for comparison.
pub const US_EAST_1: Prices = Prices {
    region: "us-east-1",
    lambda_per_million_requests: 0.20,
    lambda_per_gb_second: 0.000_013_333_4,
    http_api_per_million: 1.00,
    dynamodb_per_million_rru: 0.125,
    dynamodb_per_million_wru: 0.625,
    sqs_per_million: 0.40,
    s3_per_thousand_puts: 0.005,
    s3_per_thousand_gets: 0.0004,
    logs_per_gb_ingested: 0.50,
    secrets_per_ten_thousand_calls: 0.05,
};

/// Every counter at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    ledger: Ledger,
    functions: BTreeMap<String, FunctionStats>,
    api: FrontStats,
    urls: BTreeMap<String, FrontStats>,
}

/// Takes snapshots of a stack.
pub struct Meter<'a> {
    stack: &'a CloudStack,
}

/// What one function did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FunctionUsage {
    pub invocations: u64,
    pub gb_seconds: f64,
    pub log_bytes: u64,
    pub read_units: f64,
    pub write_units: u64,
    pub sqs_requests: u64,
    pub s3_puts: u64,
    pub s3_gets: u64,
    pub secret_reads: u64,
    /// DynamoDB calls by action.
    pub calls: BTreeMap<String, u64>,
}

/// What ran between two snapshots.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Usage {
    /// By function binary (`rsc`, `portal`…), plus `rehearsal` for the harness's own calls.
    pub functions: BTreeMap<String, FunctionUsage>,
    pub http_api_requests: u64,
    pub function_url_requests: u64,
    pub access_log_bytes: u64,
}

impl<'a> Meter<'a> {
    pub fn new(stack: &'a CloudStack) -> Self {
        Self { stack }
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            ledger: self.stack.gate.ledger(),
            functions: self.stack.lambda.stats(),
            api: self.stack.api.stats(),
            urls: self
                .stack
                .function_urls
                .iter()
                .map(|(k, v)| (k.clone(), v.stats()))
                .collect(),
        }
    }

    /// What ran since `earlier`.
    pub fn since(&self, earlier: &Snapshot) -> Usage {
        usage(&self.snapshot(), earlier, &self.stack.lambda)
    }
}

fn usage(now: &Snapshot, earlier: &Snapshot, lambda: &LambdaService) -> Usage {
    let ledger = now.ledger.since(&earlier.ledger);
    let mut out = Usage {
        http_api_requests: now.api.requests - earlier.api.requests,
        access_log_bytes: now.api.access_log_bytes - earlier.api.access_log_bytes,
        function_url_requests: now
            .urls
            .iter()
            .map(|(k, v)| v.requests - earlier.urls.get(k).map_or(0, |e| e.requests))
            .sum(),
        ..Usage::default()
    };
    for (binary, stats) in &now.functions {
        let before = earlier.functions.get(binary).cloned().unwrap_or_default();
        let memory_gb = lambda
            .spec(binary)
            .map_or(0.128, |s| s.memory_mb as f64 / 1024.0);
        // Lambda bills each invocation's duration rounded up to the millisecond.
        let billed_ms: u128 = stats.durations[before.durations.len().min(stats.durations.len())..]
            .iter()
            .map(|d| d.as_micros().div_ceil(1000))
            .sum();
        let logical = lambda
            .spec(binary)
            .map(|s| s.logical_id.clone())
            .unwrap_or_default();
        let units = ledger.dynamodb.get(&logical).copied().unwrap_or_default();
        let s3 = ledger.s3.get(&logical).copied().unwrap_or_default();
        out.functions.insert(
            binary.clone(),
            FunctionUsage {
                invocations: stats.invocations - before.invocations,
                gb_seconds: billed_ms as f64 / 1000.0 * memory_gb,
                log_bytes: stats.log_bytes - before.log_bytes,
                read_units: units.read_units(),
                write_units: units.write,
                sqs_requests: ledger.sqs_requests.get(&logical).copied().unwrap_or(0),
                s3_puts: s3.puts,
                s3_gets: s3.gets,
                secret_reads: ledger.secret_reads.get(&logical).copied().unwrap_or(0),
                calls: ledger.calls_by_action(&logical),
            },
        );
    }
    out
}

impl Usage {
    /// `self` times `factor` (a scenario scaled to a month).
    pub fn scaled(&self, factor: f64) -> Self {
        let scale = |n: u64| (n as f64 * factor).round() as u64;
        Self {
            functions: self
                .functions
                .iter()
                .map(|(k, f)| {
                    (
                        k.clone(),
                        FunctionUsage {
                            invocations: scale(f.invocations),
                            gb_seconds: f.gb_seconds * factor,
                            log_bytes: scale(f.log_bytes),
                            read_units: f.read_units * factor,
                            write_units: scale(f.write_units),
                            sqs_requests: scale(f.sqs_requests),
                            s3_puts: scale(f.s3_puts),
                            s3_gets: scale(f.s3_gets),
                            secret_reads: scale(f.secret_reads),
                            calls: f
                                .calls
                                .iter()
                                .map(|(a, n)| (a.clone(), scale(*n)))
                                .collect(),
                        },
                    )
                })
                .collect(),
            http_api_requests: scale(self.http_api_requests),
            function_url_requests: scale(self.function_url_requests),
            access_log_bytes: scale(self.access_log_bytes),
        }
    }

    /// The sum of two usages.
    pub fn plus(&self, other: &Self) -> Self {
        let mut out = self.clone();
        for (k, f) in &other.functions {
            let mine = out.functions.entry(k.clone()).or_default();
            mine.invocations += f.invocations;
            mine.gb_seconds += f.gb_seconds;
            mine.log_bytes += f.log_bytes;
            mine.read_units += f.read_units;
            mine.write_units += f.write_units;
            mine.sqs_requests += f.sqs_requests;
            mine.s3_puts += f.s3_puts;
            mine.s3_gets += f.s3_gets;
            mine.secret_reads += f.secret_reads;
            for (a, n) in &f.calls {
                *mine.calls.entry(a.clone()).or_default() += n;
            }
        }
        out.http_api_requests += other.http_api_requests;
        out.function_url_requests += other.function_url_requests;
        out.access_log_bytes += other.access_log_bytes;
        out
    }
}

/// A bill: USD by line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Bill {
    pub lines: BTreeMap<String, f64>,
}

impl Bill {
    pub fn total(&self) -> f64 {
        self.lines.values().sum()
    }
}

/// Prices a usage. The harness's own calls (`rehearsal`: the simulated customers' and
/// routers' requests are not AWS calls) are left out.
pub fn bill(usage: &Usage, prices: &Prices) -> Bill {
    let mut lines = BTreeMap::new();
    let mut add = |line: &str, usd: f64| *lines.entry(line.to_owned()).or_insert(0.0) += usd;
    for f in usage.functions.values() {
        add(
            "Lambda requests",
            f.invocations as f64 / 1e6 * prices.lambda_per_million_requests,
        );
        add(
            "Lambda duration",
            f.gb_seconds * prices.lambda_per_gb_second,
        );
        add(
            "DynamoDB reads",
            f.read_units / 1e6 * prices.dynamodb_per_million_rru,
        );
        add(
            "DynamoDB writes",
            f.write_units as f64 / 1e6 * prices.dynamodb_per_million_wru,
        );
        add("SQS", f.sqs_requests as f64 / 1e6 * prices.sqs_per_million);
        add(
            "S3",
            f.s3_puts as f64 / 1e3 * prices.s3_per_thousand_puts
                + f.s3_gets as f64 / 1e3 * prices.s3_per_thousand_gets,
        );
        add(
            "CloudWatch Logs",
            f.log_bytes as f64 / 1e9 * prices.logs_per_gb_ingested,
        );
        add(
            "Secrets Manager",
            f.secret_reads as f64 / 1e4 * prices.secrets_per_ten_thousand_calls,
        );
    }
    add(
        "API Gateway (HTTP API)",
        usage.http_api_requests as f64 / 1e6 * prices.http_api_per_million,
    );
    add(
        "CloudWatch Logs",
        usage.access_log_bytes as f64 / 1e9 * prices.logs_per_gb_ingested,
    );
    Bill { lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_router_requests_cost_what_the_price_list_says() {
        let mut usage = Usage {
            http_api_requests: 1_000_000,
            ..Usage::default()
        };
        usage.functions.insert(
            "rsc".into(),
            FunctionUsage {
                invocations: 1_000_000,
                gb_seconds: 1000.0,
                read_units: 2_000_000.0,
                write_units: 1_000_000,
                ..FunctionUsage::default()
            },
        );
        let bill = bill(&usage, &US_EAST_1);
        assert!((bill.lines["API Gateway (HTTP API)"] - 1.0).abs() < 1e-9);
        assert!((bill.lines["Lambda requests"] - 0.2).abs() < 1e-9);
        assert!((bill.lines["DynamoDB reads"] - 0.25).abs() < 1e-9);
        assert!((bill.lines["DynamoDB writes"] - 0.625).abs() < 1e-9);
        assert!(
            (bill.total() - (1.0 + 0.2 + 0.25 + 0.625 + 1000.0 * 0.000_013_333_4)).abs() < 1e-9
        );
        let doubled = usage.scaled(2.0);
        assert!(
            (crate::cloud::costs::bill(&doubled, &US_EAST_1).total() - 2.0 * bill.total()).abs()
                < 1e-9
        );
    }
}
