//! Test harness shared by Tiketi's integration tests: the local system on a free port
//! (`app::spawn_app`), a moto server per test (DynamoDB + SQS emulator), and the contract
//! suites every adapter must pass.

pub mod api;
pub mod app;
pub mod contract;
pub mod counting;
pub mod moto;
pub mod portal;
pub mod router_model;
pub mod routes;

use std::path::PathBuf;

/// A path inside the repository (`rel` from its root), found at run time: a test binary built
/// in one clone and run from another (shared target directory) still reads the files in front
/// of it.
pub fn repo_path(rel: &str) -> PathBuf {
    let tests_dir = std::env::var("CARGO_MANIFEST_DIR")
        .expect("cargo (or nextest) sets CARGO_MANIFEST_DIR when running tests");
    PathBuf::from(tests_dir).join("..").join(rel)
}
