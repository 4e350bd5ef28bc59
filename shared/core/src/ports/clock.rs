//! The clock port: every "now" in Tiketi comes from here, so tests can move time.

use jiff::Timestamp;

pub trait Clock: Send + Sync + 'static {
    /// The current UTC time.
    fn now(&self) -> Timestamp;
}
