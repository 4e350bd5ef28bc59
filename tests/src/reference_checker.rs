//! An extra gate for generated RouterOS scripts: the reference checker the RouterOS notes were
//! written with (`rsc_check.py`, Python), run where it is present beside the repository.
//!
//! The repository's own checker ([`crate::routeros_check`]) is what the tests rely on. Where the
//! reference checker exists too (on the developers' machines and in CI) the tests also run it,
//! with the same expectations, so the two keep each other honest; where it does not, only that
//! gate is skipped, with a note on stderr.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Once,
};

use crate::routeros_check::RouterOs;

/// Where the reference checker is expected: `TIKETI_REFERENCE_CHECKER`, else beside the
/// repository in the product notes. Optional either way: absent, its gate is skipped.
pub fn path() -> PathBuf {
    std::env::var_os("TIKETI_REFERENCE_CHECKER")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo_path("../shared/routeros/rsc_check.py"))
}

/// What the reference checker said about one script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// 0 without errors, 1 with errors.
    pub exit_code: i32,
    /// One line per problem (errors and warnings).
    pub output: String,
}

impl Verdict {
    /// No error and not a single warning.
    pub fn accepts(&self) -> bool {
        self.exit_code == 0 && self.output.trim().is_empty()
    }
}

/// Runs the reference checker on `script` for `version`, or returns `None` (after a note) where
/// it is not present.
pub fn run(script: &str, version: RouterOs) -> Option<Verdict> {
    run_at(&path(), script, version)
}

/// [`run`] with the checker at `checker`.
pub fn run_at(checker: &Path, script: &str, version: RouterOs) -> Option<Verdict> {
    if !checker.is_file() {
        static NOTE: Once = Once::new();
        NOTE.call_once(|| {
            eprintln!(
                "note: no reference RouterOS checker at {}; the repository's own checker ran, the \
                 extra gate is skipped",
                checker.display()
            );
        });
        return None;
    }
    let file = tempfile::Builder::new()
        .suffix(".rsc")
        .tempfile()
        .expect("a temporary file");
    std::fs::write(file.path(), script).expect("the script written");
    let mut command = Command::new("python3");
    command.arg(checker).arg(file.path());
    if version == RouterOs::V6 {
        command.arg("--v6");
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 for {}: {e}", checker.display()));
    Some(Verdict {
        exit_code: out.status.code().unwrap_or(-1),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_reference_checker_skips_the_gate() {
        let missing = Path::new("/nonexistent/tiketi/rsc_check.py");
        assert_eq!(run_at(missing, ":put \"x\"\n", RouterOs::V7), None);
        assert_eq!(run_at(missing, ":put \"x\"\n", RouterOs::V6), None);
    }
}
