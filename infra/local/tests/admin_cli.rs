//! `tiketi admin add` as an operator of the platform runs it: the password from standard
//! input, the administrator stored in the data directory's store.

use std::{io::Write, process::Command};

use tiketi_adapters::sqlite::SqliteTable;
use tiketi_core::{
    domain::{
        account::{Email, verify_password},
        admin::admin_id,
    },
    store::Repository,
};

fn admin_add(data_dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tiketi"))
        .args(["admin", "add"])
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the tiketi binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn adds_an_administrator_and_replaces_a_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let added = admin_add(
        dir.path(),
        &[
            "Ops@Tiketi.example",
            "--password-stdin",
            "--name",
            "Wanjiru",
        ],
        "platform secret 42\n",
    );
    assert!(added.status.success(), "{added:?}");
    assert!(String::from_utf8_lossy(&added.stdout).contains("added"));

    let store = Repository::new(SqliteTable::open(&dir.path().join("tiketi.db")).unwrap());
    let id = admin_id(&Email::parse("ops@tiketi.example").unwrap());
    let admin = store.admin(&id).await.unwrap().expect("stored");
    assert_eq!(admin.name, "Wanjiru");
    assert!(verify_password("platform secret 42", &admin.password_hash));
    assert!(!admin.two_factor_on(), "enrolled at the first login");
    drop(store);

    let replaced = admin_add(
        dir.path(),
        &[
            "ops@tiketi.example",
            "--password-stdin",
            "--name",
            "Wanjiru",
        ],
        "another long secret\n",
    );
    assert!(replaced.status.success(), "{replaced:?}");
    assert!(String::from_utf8_lossy(&replaced.stdout).contains("password replaced"));
    let store = Repository::new(SqliteTable::open(&dir.path().join("tiketi.db")).unwrap());
    let admin = store.admin(&id).await.unwrap().unwrap();
    assert!(verify_password("another long secret", &admin.password_hash));
}

#[test]
fn refuses_weak_passwords_and_passwords_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let weak = admin_add(
        dir.path(),
        &["ops@tiketi.example", "--password-stdin"],
        "short\n",
    );
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("at least"),
        "{weak:?}"
    );
    let no_flag = admin_add(dir.path(), &["ops@tiketi.example"], "platform secret 42\n");
    assert!(!no_flag.status.success());
    assert!(String::from_utf8_lossy(&no_flag.stderr).contains("--password-stdin"));
}
