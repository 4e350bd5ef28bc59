//! What routers report holding, and what they should hold.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;

use super::{Repository, Result};
use crate::{
    domain::{
        router_state::{Planned, Recorded},
        usage::RouterFacts,
        voucher::Voucher,
    },
    ports::table::{Change, Cursor, Index, Query, Table, Write},
    store::keys::{self, LiveLane},
};

/// A router's state between two runs of its `tiketi-sync` (`domain::router_state`): the Tiketi
/// hotspot users it last reported holding, when, what it said about itself, where the last
/// full plan found it in sync, and what was last written about the vouchers in use on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouterInventory {
    /// The users of the last complete report.
    #[serde(default)]
    pub users: Vec<String>,
    /// When a complete report was last written ([`Self::last_report`]); the epoch: never.
    #[serde(default)]
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
    /// Bumped by every write that changes what this router should hold ([`router_changed`]);
    /// never written by [`Repository::save_router_inventory`].
    #[serde(default)]
    pub changes: u64,
    /// Where the last full sync plan found the router in sync.
    #[serde(default)]
    pub planned: Option<Planned>,
    /// By user name: what was last written about each user the router reported as used.
    #[serde(default)]
    pub recorded: BTreeMap<String, Recorded>,
}

impl RouterInventory {
    /// When the router's last complete report was written, if ever.
    pub fn last_report(&self) -> Option<Timestamp> {
        (self.reported_at != Timestamp::UNIX_EPOCH).then_some(self.reported_at)
    }
}

/// The change-counter bump that goes with every write changing what a router should hold (a
/// voucher added, removed, or moved to its slow profile; a batch voided): the next sync of
/// that router then plans in full instead of answering "in sync".
pub(super) fn router_changed(operator_id: &str, router_id: &str) -> Write {
    Write::Update {
        key: keys::router_inventory(operator_id, router_id),
        changes: vec![("changes".into(), Change::Add(1))],
        condition: None,
    }
}

impl<T: Table> Repository<T> {
    /// Records what a router reported (every field but the change counter, which other
    /// writers bump meanwhile).
    pub async fn save_router_inventory(
        &self,
        operator_id: &str,
        router_id: &str,
        inventory: &RouterInventory,
    ) -> Result<()> {
        let Value::Object(fields) = serde_json::to_value(inventory).expect("entities serialize")
        else {
            unreachable!("a struct serializes to an object");
        };
        let mut changes: Vec<(String, Change)> = fields
            .into_iter()
            .filter(|(name, _)| name != "changes")
            .map(|(name, value)| match value {
                Value::Null => (name, Change::Remove),
                value => (name, Change::Set(value)),
            })
            .collect();
        changes.push((
            "entity".into(),
            Change::Set(Value::String("router_inventory".into())),
        ));
        Ok(self
            .table
            .write(Write::Update {
                key: keys::router_inventory(operator_id, router_id),
                changes,
                condition: None,
            })
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

    /// [`Self::router_inventory`] as a router's own run reads it, every minute: eventually
    /// consistent, at half the cost; a change of the last second is seen at the next run.
    pub async fn router_inventory_eventually(
        &self,
        operator_id: &str,
        router_id: &str,
    ) -> Result<Option<RouterInventory>> {
        self.get_entity_eventually(&keys::router_inventory(operator_id, router_id))
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
