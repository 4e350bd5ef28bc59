//! Schemathesis (a property-based API tester, from PyPI) against the running API: it reads
//! only the served OpenAPI document and a token, generates valid and invalid requests for
//! every operation (including stateful sequences that follow the document's links), and fails
//! on any server error, any answer the document does not describe, and any invalid request
//! the API accepts.
//!
//! `positive_data_acceptance` is left out: business rules no schema states (a ticket type
//! named in a body must exist; a time ticket's validity covers its time) rightly answer 422
//! to schema-valid requests. Schemathesis comes from the venv `scripts/test` makes
//! (`$TIKETI_MOTO_PYTHON`'s directory) or from `PATH`.

use std::{path::PathBuf, process::Command};

use tiketi_tests::{app::spawn_app, portal::PortalUser};

fn schemathesis() -> PathBuf {
    std::env::var("TIKETI_MOTO_PYTHON")
        .ok()
        .map(|python| PathBuf::from(python).with_file_name("schemathesis"))
        .filter(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("schemathesis"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_wrong_with_the_api() {
    let app = spawn_app().await;
    let owner = PortalUser::sign_up(&app, "Fuzz Shop", "fuzz@example.com").await;
    owner.add_router("Fuzz Router").await;
    owner.add_ticket_type("Fuzz Hour", &[]).await;
    let token = owner.create_api_token("Schemathesis", "read_write").await;
    let base = app.host.base_url.clone();
    let program = schemathesis();
    // Schemathesis keeps a cache in its working directory: not in the clone.
    let scratch = tempfile::tempdir().unwrap();
    let cwd = scratch.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&program)
            .current_dir(&cwd)
            .args([
                "run",
                &format!("{base}/api/v1/openapi.yaml"),
                "--url",
                &base,
            ])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance",
            ])
            .args([
                "--max-examples",
                "15",
                "--workers",
                "2",
                "--seed",
                "20261204",
            ])
            .args(["--no-color", "--request-timeout", "30"])
            .env("SCHEMATHESIS_TELEMETRY", "false")
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "{program:?} could not run ({e}): run scripts/test, or pip install schemathesis"
                )
            })
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.contains("Tested: 21"),
        "every operation was tested:\n{report}"
    );
}
