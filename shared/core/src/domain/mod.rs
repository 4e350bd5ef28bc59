//! Domain types and rules. Pure: no I/O, no clocks, no randomness of their own.

pub mod account;
pub mod agent;
pub mod api_token;
pub mod audit;
pub mod batch;
pub mod catalog;
pub mod custody;
pub mod customer;
pub mod ledger;
pub mod merchant;
pub mod money;
pub mod order;
pub mod payment;
pub mod phone;
pub mod router_secret;
pub mod router_state;
pub mod sealed;
pub mod secret_digest;
pub mod two_factor;
pub mod unmatched;
pub mod usage;
pub mod voucher;
pub mod voucher_code;
