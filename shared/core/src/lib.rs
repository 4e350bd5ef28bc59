//! Tiketi's core: domain rules (`domain`), ports (`ports`), the single-table model (`store`)
//! and the use cases (`services`). No I/O happens here; adapters implement the ports.

pub mod domain;
pub mod ports;
pub mod routeros;
pub mod services;
pub mod store;
