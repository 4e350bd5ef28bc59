//! Agents: invitations, cash sales, balances and settlements; and the custody events of
//! printed stock.

use serde_json::json;

use super::{
    Repository, Result,
    accounts::{login_item, user_item},
    customers, item,
    sales::sale_counters,
    set,
};
use crate::{
    domain::{
        agent::{AgentBalance, Invite, Settlement},
        audit::AuditEntry,
        batch::{Batch, BatchStatus},
        custody::CustodyEvent,
        money::Money,
        voucher::{Sale, Voucher, VoucherStatus},
    },
    ports::table::{Change, Condition, Index, Query, Table, Write},
    store::keys,
};

fn invite_write(token: &str, invite: &Invite) -> Write {
    let mut item = item(invite, keys::invite(token), "invite", &[]);
    // DynamoDB drops stale invitations by itself.
    item.0
        .insert("ttl".into(), invite.expires_at.as_second().into());
    Write::put_new(item)
}

/// Appends a custody event to a batch (creation and voiding add it to their own writes).
pub(super) fn custody_write(batch: &Batch, event: &CustodyEvent) -> Write {
    let key = keys::batch_event(&batch.operator_id, &batch.id, event.at, &event.id);
    Write::put_new(item(event, key, "custody", &[]))
}

impl<T: Table> Repository<T> {
    /// Creates an agent (disabled, no password yet), reserves their e-mail address and stores
    /// the invitation, audited. `ConditionFailed { index: 1 }`: the address has an account.
    pub async fn create_invited_agent(
        &self,
        agent: &crate::domain::account::User,
        token: &str,
        invite: &Invite,
        entry: &AuditEntry,
    ) -> Result<()> {
        let writes = vec![
            Write::put_new(user_item(agent)),
            Write::put_new(login_item(agent)),
            invite_write(token, invite),
        ];
        self.audited(writes, entry).await
    }

    /// A new invitation link for an agent who has not accepted yet.
    pub async fn renew_invite(&self, token: &str, invite: &Invite) -> Result<()> {
        Ok(self.table.write(invite_write(token, invite)).await?)
    }

    pub async fn invite(&self, token: &str) -> Result<Option<Invite>> {
        self.get_entity(&keys::invite(token)).await
    }

    /// Uses up an invitation and saves the agent who accepted it (now active, with a
    /// password), provided the agent was still waiting. `ConditionFailed`: used already.
    pub async fn accept_invite(
        &self,
        token: &str,
        agent: &crate::domain::account::User,
    ) -> Result<()> {
        let writes = vec![
            Write::Delete {
                key: keys::invite(token),
                condition: Some(Condition::Exists),
            },
            Write::Put {
                item: user_item(agent),
                condition: Some(Condition::attr_eq("password_hash", "")),
            },
        ];
        Ok(self.table.transact(writes).await?)
    }

    /// Records a cash sale of a printed voucher, exactly once: the voucher is marked sold
    /// (only if it was not sold before and is not cancelled), with the sale, the day's
    /// counters, the seller's balance and list of sales, the batch's sold count and the audit
    /// entry, in one transaction. `ConditionFailed { index: 0 }`: sold already, or cancelled.
    pub async fn record_cash_sale(
        &self,
        voucher: &Voucher,
        batch_id: &str,
        sale: &Sale,
        day: &str,
        entry: &AuditEntry,
    ) -> Result<()> {
        let op = &voucher.operator_id;
        let seller = sale.seller.as_ref().map_or("", |s| s.user_id.as_str());
        let mut voucher_changes = vec![
            ("sold_at".into(), set(sale.sold_at)),
            ("sold_by".into(), set(&sale.seller)),
        ];
        if let Some(phone) = &sale.phone {
            voucher_changes.push(("phone".into(), set(phone)));
        }
        let sellable = [
            VoucherStatus::Unused,
            VoucherStatus::Active,
            VoucherStatus::UsedUp,
            VoucherStatus::Expired,
        ];
        let mut writes = vec![
            Write::Update {
                key: keys::voucher(op, &voucher.code),
                changes: voucher_changes,
                condition: Some(Condition::All(vec![
                    Condition::AttrAbsent("sold_at".into()),
                    Condition::AttrIn {
                        attribute: "status".into(),
                        values: sellable.iter().map(|s| json!(s.as_str())).collect(),
                    },
                ])),
            },
            Write::put_new(item(
                sale,
                keys::sale(op, day, sale.sold_at, &sale.order_id),
                "sale",
                &[],
            )),
            Write::put_new(item(
                sale,
                keys::agent_sale(op, seller, sale.sold_at, &voucher.code),
                "agent_sale",
                &[],
            )),
            Write::Update {
                key: keys::agent_balance(op, seller),
                changes: vec![
                    ("sales".into(), Change::Add(1)),
                    ("collected_minor".into(), Change::Add(sale.amount.minor())),
                    (
                        "commission_minor".into(),
                        Change::Add(sale.commission.minor()),
                    ),
                    ("entity".into(), set("agent_balance")),
                ],
                condition: None,
            },
            Write::Update {
                key: keys::batch(op, batch_id),
                changes: vec![("sold".into(), Change::Add(1))],
                condition: Some(Condition::Exists),
            },
        ];
        if let Some(phone) = &sale.phone {
            // The buyer joins the operator's customers, as online buyers do.
            writes.push(customers::count_purchase(
                op,
                phone,
                sale.amount,
                sale.sold_at,
            ));
            writes.push(Write::put_new(item(
                &json!({"voucher_code": voucher.code, "channel": sale.channel}),
                keys::customer_order(op, phone, sale.sold_at, &sale.order_id),
                "customer_order",
                &[],
            )));
        }
        writes.extend(sale_counters(sale, day));
        self.audited(writes, entry).await
    }

    pub async fn agent_balance(&self, operator_id: &str, agent_id: &str) -> Result<AgentBalance> {
        let item = self
            .table
            .get(&keys::agent_balance(operator_id, agent_id))
            .await?;
        let int = |name| item.as_ref().and_then(|i| i.int(name)).unwrap_or(0);
        Ok(AgentBalance {
            sales: int("sales"),
            collected: Money(int("collected_minor")),
            commission: Money(int("commission_minor")),
            settled: Money(int("settled_minor")),
        })
    }

    /// A seller's cash sales, newest first.
    pub async fn agent_sales(
        &self,
        operator_id: &str,
        agent_id: &str,
        limit: usize,
    ) -> Result<Vec<Sale>> {
        let query = Query::partition(Index::Primary, keys::agent_partition(operator_id, agent_id))
            .begins_with(keys::SALE_PREFIX)
            .descending()
            .limit(limit);
        self.query_entities(&query).await
    }

    /// Records cash an agent handed over, with their balance and the audit entry.
    /// Records cash handed over, if nothing was settled since `seen_settled` was read
    /// (`ConditionFailed` otherwise: two settlements at once could overpay together).
    pub async fn record_settlement(
        &self,
        settlement: &Settlement,
        entry: &AuditEntry,
        seen_settled: Money,
    ) -> Result<()> {
        let (op, agent) = (&settlement.operator_id, &settlement.agent_id);
        let key = keys::settlement(op, agent, settlement.at, &settlement.id);
        let writes = vec![
            Write::put_new(item(settlement, key, "settlement", &[])),
            Write::Update {
                key: keys::agent_balance(op, agent),
                changes: vec![
                    (
                        "settled_minor".into(),
                        Change::Add(settlement.amount.minor()),
                    ),
                    ("entity".into(), set("agent_balance")),
                ],
                condition: Some(match seen_settled.minor() {
                    0 => Condition::AttrAbsent("settled_minor".into()),
                    settled => Condition::attr_eq("settled_minor", settled),
                }),
            },
        ];
        self.audited(writes, entry).await
    }

    /// An agent's settlements, newest first.
    pub async fn settlements(
        &self,
        operator_id: &str,
        agent_id: &str,
        limit: usize,
    ) -> Result<Vec<Settlement>> {
        let query = Query::partition(Index::Primary, keys::agent_partition(operator_id, agent_id))
            .begins_with(keys::SETTLEMENT_PREFIX)
            .descending()
            .limit(limit);
        self.query_entities(&query).await
    }

    /// Records that the whole batch was printed (counted on the batch, with the event).
    pub async fn record_batch_print(&self, batch: &Batch, event: &CustodyEvent) -> Result<()> {
        let writes = vec![
            Write::Update {
                key: keys::batch(&batch.operator_id, &batch.id),
                changes: vec![("prints".into(), Change::Add(1))],
                condition: Some(Condition::Exists),
            },
            custody_write(batch, event),
        ];
        Ok(self.table.transact(writes).await?)
    }

    /// Records one voucher printed again: an event of its batch and of the voucher.
    pub async fn record_reprint(
        &self,
        batch: &Batch,
        code: &str,
        event: &CustodyEvent,
    ) -> Result<()> {
        let key = keys::voucher_event(&batch.operator_id, code, event.at, &event.id);
        let writes = vec![
            custody_write(batch, event),
            Write::put_new(item(event, key, "custody", &[])),
        ];
        Ok(self.table.transact(writes).await?)
    }

    /// Hands a ready batch to an agent (or takes it back: `holder` `None`), with the custody
    /// event and the audit entry. `ConditionFailed { index: 0 }`: the batch is not ready.
    pub async fn hand_over_batch(
        &self,
        batch: &Batch,
        holder: Option<&crate::domain::batch::Actor>,
        event: &CustodyEvent,
        entry: &AuditEntry,
    ) -> Result<()> {
        let writes = vec![
            Write::Update {
                key: keys::batch(&batch.operator_id, &batch.id),
                changes: vec![("agent".into(), holder.map_or(Change::Remove, set))],
                condition: Some(Condition::attr_eq("status", json!(BatchStatus::Ready))),
            },
            custody_write(batch, event),
        ];
        self.audited(writes, entry).await
    }

    /// The batch's custody events, oldest first.
    pub async fn batch_events(
        &self,
        operator_id: &str,
        batch_id: &str,
    ) -> Result<Vec<CustodyEvent>> {
        let query = Query::partition(Index::Primary, keys::batch_partition(operator_id, batch_id))
            .begins_with(keys::EVENT_PREFIX);
        self.query_entities(&query).await
    }

    /// A voucher's custody events (reprints), oldest first.
    pub async fn voucher_events(&self, operator_id: &str, code: &str) -> Result<Vec<CustodyEvent>> {
        let key = keys::voucher(operator_id, code);
        let query = Query::partition(Index::Primary, key.pk).begins_with(keys::EVENT_PREFIX);
        self.query_entities(&query).await
    }
}
