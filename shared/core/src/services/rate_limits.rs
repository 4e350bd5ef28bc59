//! Rate limits of the public pages that cost work or could be used for guessing.

use super::{Platform, ServiceError, Tiketi};
use crate::{domain::rate_limit::RateLimit, ports::Clock};

impl<P: Platform> Tiketi<P> {
    /// Counts one attempt of `subject` (a client address, an operator id) under `limit`, or
    /// refuses it with the seconds to wait.
    pub async fn rate_limit(&self, limit: &RateLimit, subject: &str) -> Result<(), ServiceError> {
        let now = self.clock.now();
        if self.store.take_rate(limit, subject, now).await? {
            Ok(())
        } else {
            tracing::warn!(limit = limit.name, "rate limit reached");
            Err(ServiceError::TooManyAttempts {
                retry_after_secs: limit.retry_after(now),
            })
        }
    }
}
