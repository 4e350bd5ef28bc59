//! Test harness shared by Tiketi's integration tests: a moto server per test (DynamoDB + SQS
//! emulator), per-test tables and queues, and the contract suites every adapter must pass.

pub mod contract;
pub mod moto;
