//! Contract suites: one generic function per behaviour, run against every adapter of a port by
//! the test binaries in `tests/tests/contract_*.rs`, so adapters cannot drift apart.

pub mod documents;
pub mod queue;
pub mod table;
