//! Tiketi's entities on the single table: `keys` builds every key, `Repository` maps entities
//! onto items and groups the multi-item changes into transactions.

pub mod keys;
mod repository;

pub use repository::{
    DayTotals, IpnRegistration, MonthUsage, POOL_COUNT, PlatformDay, PlatformSnapshot, Repository,
    Reversal, RouterInventory, StoreError, counted_as, directory_term, invoice_record,
    latest_usage, link_sort_key,
};
