//! Operators, their routers and ticket types, and the gateway IPN registrations.

use jiff::Timestamp;

use super::{Repository, Result, item, set};
use crate::{
    domain::catalog::{Operator, Router, TicketType},
    ports::table::{Condition, Index, Item, Query, Table, Write, attr},
    store::keys,
};

/// The merchant account's IPN registration at the gateway.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IpnRegistration {
    pub ipn_id: String,
    pub url: String,
    pub method: String,
    pub registered_at: Timestamp,
}

pub(super) fn operator_item(operator: &Operator) -> Item {
    item(
        operator,
        keys::operator(&operator.id),
        "operator",
        &[
            (attr::GSI1PK, keys::OPERATORS_PARTITION.into()),
            (attr::GSI1SK, operator.id.clone()),
        ],
    )
}

impl<T: Table> Repository<T> {
    /// Creates an operator; fails with `ConditionFailed` if the id exists.
    pub async fn create_operator(&self, operator: &Operator) -> Result<()> {
        self.create_operator_with(operator, &[], &[]).await
    }

    /// Creates an operator together with its routers and ticket types, all or nothing; fails
    /// with `ConditionFailed { index: 0 }` if the operator exists.
    pub async fn create_operator_with(
        &self,
        operator: &Operator,
        routers: &[Router],
        ticket_types: &[TicketType],
    ) -> Result<()> {
        let mut writes = vec![Write::put_new(operator_item(operator))];
        writes.extend(
            routers
                .iter()
                .map(|r| Write::put(item(r, keys::router(&r.operator_id, &r.id), "router", &[]))),
        );
        writes.extend(ticket_types.iter().map(|t| {
            Write::put(item(
                t,
                keys::ticket_type(&t.operator_id, &t.id),
                "ticket_type",
                &[],
            ))
        }));
        Ok(self.table.transact(writes).await?)
    }

    /// Saves an existing operator's profile (settings).
    pub async fn update_operator(&self, operator: &Operator) -> Result<()> {
        let write = Write::Put {
            item: operator_item(operator),
            condition: Some(Condition::Exists),
        };
        Ok(self.table.write(write).await?)
    }

    /// Saves the operator's settings with the audit entry of the change.
    /// Saves the operator's changed settings; a new business name also moves its entry in
    /// the administrator's directory (`previous_name`: the name it had).
    pub async fn update_operator_audited(
        &self,
        operator: &Operator,
        previous_name: &str,
        entry: &crate::domain::audit::AuditEntry,
    ) -> Result<()> {
        let mut writes = vec![Write::Put {
            item: operator_item(operator),
            condition: Some(Condition::Exists),
        }];
        if previous_name != operator.business_name {
            let old = super::admins::directory_term("name", previous_name);
            let new = super::admins::directory_term("name", &operator.business_name);
            if old != new {
                writes.push(Write::Delete {
                    key: keys::directory_entry(&old, &operator.id),
                    condition: None,
                });
                writes.extend(super::admins::directory_writes(&operator.id, &[new]));
            }
        }
        self.audited(writes, entry).await
    }

    pub async fn operator(&self, id: &str) -> Result<Option<Operator>> {
        self.get_entity(&keys::operator(id)).await
    }

    /// Every operator (for scheduled passes only; tenant-facing code never lists operators).
    pub async fn operators(&self) -> Result<Vec<Operator>> {
        self.query_entities(&Query::partition(Index::Gsi1, keys::OPERATORS_PARTITION))
            .await
    }

    pub async fn put_router(&self, router: &Router) -> Result<()> {
        let item = item(
            router,
            keys::router(&router.operator_id, &router.id),
            "router",
            &[],
        );
        Ok(self.table.write(Write::put(item)).await?)
    }

    /// Changes what the operator edits of an existing router (name, location, hotspot), and
    /// only that: an edit racing a secret rotation cannot bring the old secret back.
    pub async fn update_router_details(&self, router: &Router) -> Result<()> {
        let write = Write::Update {
            key: keys::router(&router.operator_id, &router.id),
            changes: vec![
                ("name".into(), set(&router.name)),
                ("location".into(), set(&router.location)),
                ("hotspot_dns".into(), set(&router.hotspot_dns)),
                ("hotspot".into(), set(&router.hotspot)),
            ],
            condition: Some(Condition::Exists),
        };
        Ok(self.table.write(write).await?)
    }

    /// Replaces an existing router's secret digest, and only that.
    pub async fn set_router_secret_digest(
        &self,
        operator_id: &str,
        router_id: &str,
        digest: &str,
    ) -> Result<()> {
        let write = Write::Update {
            key: keys::router(operator_id, router_id),
            changes: vec![("secret_digest".into(), set(digest))],
            condition: Some(Condition::Exists),
        };
        Ok(self.table.write(write).await?)
    }

    pub async fn router(&self, operator_id: &str, id: &str) -> Result<Option<Router>> {
        self.get_entity(&keys::router(operator_id, id)).await
    }

    /// [`Self::router`] as a router's own calls read it, every minute: eventually consistent,
    /// at half the cost (a secret replaced in the last second still works for that second).
    pub async fn router_eventually(&self, operator_id: &str, id: &str) -> Result<Option<Router>> {
        self.get_entity_eventually(&keys::router(operator_id, id))
            .await
    }

    pub async fn routers(&self, operator_id: &str) -> Result<Vec<Router>> {
        let query = Query::partition(Index::Primary, keys::operator_partition(operator_id))
            .begins_with(keys::ROUTER_PREFIX);
        self.query_entities(&query).await
    }

    pub async fn put_ticket_type(&self, ticket: &TicketType) -> Result<()> {
        let key = keys::ticket_type(&ticket.operator_id, &ticket.id);
        Ok(self
            .table
            .write(Write::put(item(ticket, key, "ticket_type", &[])))
            .await?)
    }

    /// Saves a ticket type with the audit entry of the change, in one transaction.
    pub async fn put_ticket_type_audited(
        &self,
        ticket: &TicketType,
        entry: &crate::domain::audit::AuditEntry,
    ) -> Result<()> {
        let key = keys::ticket_type(&ticket.operator_id, &ticket.id);
        self.audited(
            vec![Write::put(item(ticket, key, "ticket_type", &[]))],
            entry,
        )
        .await
    }

    pub async fn ticket_type(&self, operator_id: &str, id: &str) -> Result<Option<TicketType>> {
        self.get_entity(&keys::ticket_type(operator_id, id)).await
    }

    /// The operator's ticket types, in display order.
    pub async fn ticket_types(&self, operator_id: &str) -> Result<Vec<TicketType>> {
        let query = Query::partition(Index::Primary, keys::operator_partition(operator_id))
            .begins_with(keys::TICKET_TYPE_PREFIX);
        let mut types: Vec<TicketType> = self.query_entities(&query).await?;
        types.sort_by_key(|t| (t.sort_order, t.price));
        Ok(types)
    }

    pub async fn ipn_registration(
        &self,
        operator_id: &str,
        account: &str,
    ) -> Result<Option<IpnRegistration>> {
        self.get_entity(&keys::ipn_registration(operator_id, account))
            .await
    }

    /// Saves a registration: the first of an account, or one `replacing` a stale one. A
    /// concurrent writer makes this fail with `ConditionFailed`; the caller reads the winner.
    pub async fn save_ipn_registration(
        &self,
        operator_id: &str,
        account: &str,
        registration: &IpnRegistration,
        replacing: Option<&IpnRegistration>,
    ) -> Result<()> {
        let key = keys::ipn_registration(operator_id, account);
        let condition = match replacing {
            None => Condition::NotExists,
            Some(old) => Condition::attr_eq("ipn_id", old.ipn_id.as_str()),
        };
        let item = item(registration, key, "ipn_registration", &[]);
        Ok(self
            .table
            .write(Write::Put {
                item,
                condition: Some(condition),
            })
            .await?)
    }
}
