//! Chain of custody of printed stock: prints and reprints recorded, batches handed to agents
//! and taken back (voiding is `cancel_batch`; sales and redemptions are counted on the batch
//! by the cash-sale and usage paths).

use serde_json::json;

use super::{Platform, ServiceError, Tiketi, accounts::Authenticated, catalog::new_id};
use crate::{
    domain::{
        account::Role,
        batch::{Actor, Batch, BatchStatus},
        custody::{CustodyEvent, CustodyKind},
    },
    ports::Clock,
    store::StoreError,
};

impl<P: Platform> Tiketi<P> {
    pub(crate) fn custody_event(&self, who: &Authenticated, kind: CustodyKind) -> CustodyEvent {
        CustodyEvent {
            id: new_id(),
            at: self.clock.now(),
            by: who.actor(),
            kind,
        }
    }

    async fn ready_batch(&self, operator_id: &str, batch_id: &str) -> Result<Batch, ServiceError> {
        let batch = self
            .store
            .batch(operator_id, batch_id)
            .await?
            .ok_or(ServiceError::NotFound("batch"))?;
        match batch.status {
            BatchStatus::Ready => Ok(batch),
            BatchStatus::Generating => Err(ServiceError::Conflict(
                "this batch is still being generated".into(),
            )),
            BatchStatus::Cancelled => Err(ServiceError::Conflict(
                "this batch was voided: its vouchers no longer work".into(),
            )),
        }
    }

    /// Records a print of the whole batch (every print and reprint counts: a second print of
    /// the same stock is what a custody audit looks for) and returns the batch to print.
    pub async fn record_batch_print(
        &self,
        who: &Authenticated,
        batch_id: &str,
        layout: &str,
    ) -> Result<Batch, ServiceError> {
        let batch = self.ready_batch(&who.operator.id, batch_id).await?;
        let kind = CustodyKind::Printed {
            layout: layout.to_owned(),
        };
        let event = self.custody_event(who, kind);
        self.store.record_batch_print(&batch, &event).await?;
        Ok(batch)
    }

    /// Records one voucher printed again (a customer lost the slip), on its batch and on the
    /// voucher. Only unused vouchers of a ready batch are reprinted.
    pub async fn record_reprint(
        &self,
        who: &Authenticated,
        batch: &Batch,
        code: &str,
    ) -> Result<(), ServiceError> {
        let event = self.custody_event(who, CustodyKind::Reprinted { code: code.into() });
        self.store.record_reprint(batch, code, &event).await?;
        Ok(())
    }

    /// Hands a ready batch to an agent to sell (`agent_id` `None`: takes it back). Audited.
    pub async fn hand_over_batch(
        &self,
        who: &Authenticated,
        batch_id: &str,
        agent_id: Option<&str>,
    ) -> Result<Batch, ServiceError> {
        let op = &who.operator.id;
        let batch = self.ready_batch(op, batch_id).await?;
        let holder = match agent_id {
            Some(id) => {
                let agent = self
                    .store
                    .user(op, id)
                    .await?
                    .filter(|u| u.role == Role::Agent)
                    .ok_or_else(|| ServiceError::Invalid("choose one of your agents".into()))?;
                if !agent.covers_router(&batch.router_id) {
                    return Err(ServiceError::Invalid(format!(
                        "{} does not work at this batch's router",
                        agent.name
                    )));
                }
                Some(Actor {
                    user_id: agent.id,
                    name: agent.name,
                })
            }
            None => None,
        };
        let kind = match (&holder, &batch.agent) {
            (Some(agent), _) => CustodyKind::HandedOver {
                agent: agent.clone(),
            },
            (None, Some(previous)) => CustodyKind::Returned {
                agent: previous.clone(),
            },
            (None, None) => return Ok(batch),
        };
        let event = self.custody_event(who, kind);
        let entry = self.audit_entry(
            who,
            "batch.hand_over",
            &batch.id,
            Some(json!({ "agent": batch.agent })),
            Some(json!({ "agent": holder })),
        );
        match self
            .store
            .hand_over_batch(&batch, holder.as_ref(), &event, &entry)
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::Conflict(
                    "this batch is no longer ready".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(self.store.batch(op, batch_id).await?.unwrap_or(batch))
    }
}
