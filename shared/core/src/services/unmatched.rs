//! The owner's inbox of payments that could not become a voucher (filed by
//! `services::payments`), and how each was settled.

use serde_json::json;

use super::{
    Platform, ServiceError, Tiketi,
    accounts::{Authenticated, text_field},
};
use crate::{
    domain::unmatched::{Resolution, ResolutionAction, UnmatchedPayment},
    ports::Clock,
    store::StoreError,
};

/// Items shown at most (open ones are few; resolved ones stay for the record).
pub const INBOX_LIMIT: usize = 500;

impl<P: Platform> Tiketi<P> {
    pub async fn unmatched_payments(
        &self,
        operator_id: &str,
    ) -> Result<Vec<UnmatchedPayment>, ServiceError> {
        Ok(self
            .store
            .unmatched_payments(operator_id, INBOX_LIMIT)
            .await?)
    }

    /// Records what the owner did about an item (once), audited.
    pub async fn resolve_unmatched(
        &self,
        who: &Authenticated,
        id: &str,
        action: &str,
        note: &str,
    ) -> Result<UnmatchedPayment, ServiceError> {
        let op = &who.operator.id;
        let payment = self
            .store
            .unmatched_payment(op, id)
            .await?
            .ok_or(ServiceError::NotFound("payment"))?;
        let action = ResolutionAction::parse(action)
            .ok_or_else(|| ServiceError::Invalid("choose what you did".into()))?;
        let note = text_field(note, "The note", 200)?;
        let resolution = Resolution {
            action,
            note: note.clone(),
            by: who.actor(),
            at: self.clock.now(),
        };
        let mut entry = self.audit_entry(
            who,
            "payment.resolve",
            id,
            Some(json!({"kind": payment.kind, "amount": payment.amount, "tracking_id": payment.tracking_id})),
            Some(json!({"action": action})),
        );
        entry.note = Some(note);
        match self
            .store
            .resolve_unmatched(&payment, &resolution, &entry)
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::Conflict(
                    "this payment was resolved already".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(UnmatchedPayment {
            resolution: Some(resolution),
            ..payment
        })
    }
}
