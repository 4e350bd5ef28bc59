//! What routers report holding, and what they should hold.

use jiff::Timestamp;

use super::{Repository, Result, item};
use crate::{
    domain::{usage::RouterFacts, voucher::Voucher},
    ports::table::{Cursor, Index, Query, Table, Write},
    store::keys::{self, LiveLane},
};

/// The Tiketi hotspot users a router last reported holding, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouterInventory {
    /// The users of the last complete report.
    pub users: Vec<String>,
    pub reported_at: Timestamp,
    /// Users of the pages of a report still being received (`page`/`last`).
    #[serde(default)]
    pub incoming: Vec<String>,
    /// Users the router reported on a fair-usage (slow) profile, and those of the pages
    /// still being received.
    #[serde(default)]
    pub slow: Vec<String>,
    #[serde(default)]
    pub incoming_slow: Vec<String>,
    /// What the router last said about itself (version, licence, clock), and when.
    #[serde(default)]
    pub facts: Option<RouterFacts>,
    #[serde(default)]
    pub facts_at: Option<Timestamp>,
}

impl<T: Table> Repository<T> {
    /// Records which Tiketi users a router reported holding.
    pub async fn save_router_inventory(
        &self,
        operator_id: &str,
        router_id: &str,
        inventory: &RouterInventory,
    ) -> Result<()> {
        let key = keys::router_inventory(operator_id, router_id);
        Ok(self
            .table
            .write(Write::put(item(inventory, key, "router_inventory", &[])))
            .await?)
    }

    pub async fn router_inventory(
        &self,
        operator_id: &str,
        router_id: &str,
    ) -> Result<Option<RouterInventory>> {
        self.get_entity(&keys::router_inventory(operator_id, router_id))
            .await
    }

    /// The vouchers a router should hold (unused or active), by code; a page of `limit` after
    /// the code `after`.
    /// A page of the router's live vouchers of one lane, in code order, after the code
    /// `after`.
    pub async fn router_live_vouchers(
        &self,
        operator_id: &str,
        router_id: &str,
        lane: LiveLane,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Voucher>> {
        let partition = keys::router_live_vouchers(operator_id, router_id);
        let (low, high) = lane.range();
        let mut query = Query::partition(Index::Gsi2, partition)
            .between(low, high)
            .limit(limit);
        query.after = after.map(|code| Cursor {
            key: keys::voucher(operator_id, code),
            range: lane.sort_key(code),
        });
        self.query_entities(&query).await
    }
}
