//! Tiketi's inbound adapters: HTTP routers (`http`), queue and schedule handlers (`jobs`),
//! configuration and telemetry, and the AWS wiring (`aws`, feature `aws`). The Lambda mains and
//! the local host only call into this crate.

#[cfg(feature = "aws")]
pub mod aws;
pub mod config;
pub mod http;
pub mod jobs;
pub mod telemetry;
