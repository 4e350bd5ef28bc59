//! Test harness shared by Tiketi's integration tests: the local system on a free port
//! (`app::spawn_app`), a moto server per test (DynamoDB + SQS emulator), and the contract
//! suites every adapter must pass.

pub mod admin;
pub mod api;
pub mod app;
pub mod cloud;
pub mod contract;
pub mod counting;
pub mod moto;
pub mod portal;
pub mod reference_checker;
pub mod router_model;
pub mod routeros_check;
pub mod routes;

use std::path::PathBuf;

use tiketi_core::{
    domain::voucher::Voucher,
    ports::table::Table,
    store::{Repository, keys::LiveLane},
};

/// Every live voucher of a router (both lanes, read whole), in code order.
pub async fn live_vouchers<T: Table>(
    store: &Repository<T>,
    op: &str,
    router: &str,
) -> Vec<Voucher> {
    let mut all = Vec::new();
    for lane in [LiveLane::Buyers, LiveLane::Stock] {
        let mut after: Option<String> = None;
        loop {
            let page = store
                .router_live_vouchers(op, router, lane, after.as_deref(), 1_000)
                .await
                .expect("store");
            let done = page.len() < 1_000;
            after = page.last().map(|v| v.code.clone());
            all.extend(page);
            if done {
                break;
            }
        }
    }
    all.sort_by(|a, b| a.code.cmp(&b.code));
    all
}

/// A path inside the repository (`rel` from its root), found at run time: a test binary built
/// in one clone and run from another (shared target directory) still reads the files in front
/// of it. (`scripts/cloud-rehearsal` sets it for the rehearsal binary too.)
pub fn repo_path(rel: &str) -> PathBuf {
    let tests_dir = std::env::var("CARGO_MANIFEST_DIR").expect(
        "cargo (or nextest) sets CARGO_MANIFEST_DIR when running tests; set it to the repo's tests/",
    );
    PathBuf::from(tests_dir).join("..").join(rel)
}

/// Documents in a fresh folder of the system's temp directory, for a `Tiketi` a test builds by
/// hand (files older than a day are swept by the adapter itself).
pub fn scratch_documents() -> tiketi_adapters::directory_documents::DirectoryDocuments {
    let dir = std::env::temp_dir().join(format!(
        "tiketi-documents-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    ));
    tiketi_adapters::directory_documents::DirectoryDocuments::open(&dir, "http://127.0.0.1:9")
        .expect("a documents folder")
}
