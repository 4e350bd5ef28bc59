//! Named checks that run one by one and are tallied: a check passes when its future completes
//! and fails when it returns an error or panics (helpers may `assert!`), so one failure does
//! not stop the story.

use std::{future::Future, time::Instant};

#[derive(Debug, Default)]
pub struct Checks {
    pub passed: Vec<String>,
    pub failed: Vec<(String, String)>,
}

impl Checks {
    /// Runs `check` on its own task; prints `ok`/`FAILED` with its time.
    pub async fn run<F, T>(&mut self, name: &str, check: F) -> Option<T>
    where
        F: Future<Output = Result<T, String>> + Send + 'static,
        T: Send + 'static,
    {
        let started = Instant::now();
        let result = tokio::spawn(check).await;
        let took = started.elapsed().as_secs_f64();
        match result {
            Ok(Ok(value)) => {
                println!("ok      {name} ({took:.1} s)");
                self.passed.push(name.to_owned());
                Some(value)
            }
            Ok(Err(error)) => {
                println!("FAILED  {name} ({took:.1} s): {error}");
                self.failed.push((name.to_owned(), error));
                None
            }
            Err(join) => {
                let error = match join.try_into_panic() {
                    Ok(panic) => panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_else(|| "panicked".into()),
                    Err(_) => "cancelled".into(),
                };
                println!("FAILED  {name} ({took:.1} s): {error}");
                self.failed.push((name.to_owned(), error));
                None
            }
        }
    }

    /// `N passed, M failed`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed.len(), self.failed.len())
    }
}

/// `Err(message)` unless `condition`.
pub fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(message()) }
}
