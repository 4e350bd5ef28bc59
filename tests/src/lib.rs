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
