//! Tiketi's entities on the single table: `keys` builds every key, `Repository` maps entities
//! onto items and groups the multi-item changes into transactions.

pub mod keys;
mod repository;

pub use repository::{
    DayTotals, IpnRegistration, Repository, Reversal, RouterInventory, StoreError, link_sort_key,
};
