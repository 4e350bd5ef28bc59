//! The operator's own Pesapal merchant account, entered in the portal.
//!
//! Keys are checked with Pesapal before they are kept (a fresh token request), the operator's
//! IPN URL is registered for them at once, and both are stored sealed
//! ([`crate::domain::sealed`]); only the key's last characters stay readable. Each change is
//! audited, without the secret. [`Tiketi::merchant_for`] then pays the operator into this
//! account.

use serde_json::json;
use tracing::{info, warn};

use super::{Platform, ServiceError, Tiketi, accounts::Authenticated};
use crate::{
    domain::{
        merchant::{MerchantKeys, key_ending, parse_key},
        sealed::{Field, SealError, Sealed},
    },
    ports::{
        Clock, PaymentGateway,
        gateway::{GatewayError, MerchantAccount},
    },
    store::StoreError,
};

/// The Pesapal keys form.
#[derive(Debug, Clone, Default)]
pub struct MerchantKeysForm {
    pub consumer_key: String,
    pub consumer_secret: String,
}

fn refused(error: &GatewayError, step: &str) -> ServiceError {
    let text = match error {
        GatewayError::Credentials(_) => "Pesapal refused these keys: copy the consumer key and \
             secret again from your Pesapal dashboard (sandbox keys work only with the sandbox, \
             live keys only with live). Nothing was saved."
            .to_owned(),
        GatewayError::Unreachable(_) => {
            "Pesapal did not answer, so the keys could not be checked. Nothing was saved: try \
             again in a minute."
                .to_owned()
        }
        GatewayError::Rejected { message, .. } => {
            format!("Pesapal refused to {step}: {message}. Nothing was saved.")
        }
        GatewayError::Protocol(_) => {
            format!(
                "Pesapal gave an answer Tiketi does not understand when asked to {step}. Nothing was saved."
            )
        }
    };
    ServiceError::Invalid(text)
}

impl<P: Platform> Tiketi<P> {
    /// The operator's stored keys (still sealed: enough for the settings page).
    pub async fn merchant_keys(
        &self,
        operator_id: &str,
    ) -> Result<Option<MerchantKeys>, ServiceError> {
        Ok(self.store.merchant_keys(operator_id).await?)
    }

    /// Opens `operator_id`'s keys: bound to the operator asked for, not to the id the item
    /// names, so an item copied under another operator does not open.
    pub(crate) fn open_merchant_keys(
        &self,
        operator_id: &str,
        keys: &MerchantKeys,
    ) -> Result<MerchantAccount, SealError> {
        let data_key = self.data_key()?;
        let op = operator_id;
        Ok(MerchantAccount {
            consumer_key: keys
                .consumer_key
                .open_text(data_key, op, Field::PesapalConsumerKey)?,
            consumer_secret: keys.consumer_secret.open_text(
                data_key,
                op,
                Field::PesapalConsumerSecret,
            )?,
        })
    }

    /// Checks the keys with Pesapal, registers the operator's IPN URL for them, and keeps them
    /// (replacing any earlier ones). Refusals are `Invalid` with what to do.
    pub async fn save_merchant_keys(
        &self,
        who: &Authenticated,
        form: &MerchantKeysForm,
    ) -> Result<MerchantKeys, ServiceError> {
        let invalid =
            |e: crate::domain::merchant::InvalidKeys| ServiceError::Invalid(e.to_string());
        let account = MerchantAccount {
            consumer_key: parse_key(&form.consumer_key).map_err(invalid)?,
            consumer_secret: parse_key(&form.consumer_secret).map_err(invalid)?,
        };
        let data_key = self.data_key()?;
        let op = &who.operator.id;
        self.gateway
            .verify_credentials(&account)
            .await
            .map_err(|e| {
                warn!(operator_id = %op, error = %e, "Pesapal keys refused");
                refused(&e, "accept these keys")
            })?;
        self.ipn_id(op, &account, None).await.map_err(|e| match e {
            ServiceError::Gateway(e) => refused(&e, "register the IPN URL"),
            other => other,
        })?;
        let seal = |field, value: &str| {
            Sealed::seal(data_key, &mut rand::rng(), op, field, value.as_bytes())
        };
        let keys = MerchantKeys {
            operator_id: op.clone(),
            consumer_key: seal(Field::PesapalConsumerKey, &account.consumer_key),
            consumer_secret: seal(Field::PesapalConsumerSecret, &account.consumer_secret),
            key_ending: key_ending(&account.consumer_key),
            updated_at: self.clock.now(),
            updated_by: who.actor().name,
        };
        let before = self.store.merchant_keys(op).await?;
        let summary = |k: &MerchantKeys| json!({ "consumer_key_ending": k.key_ending });
        let entry = self.audit_entry(
            who,
            "pesapal_keys.set",
            op,
            before.as_ref().map(summary),
            Some(summary(&keys)),
        );
        self.store.save_merchant_keys(&keys, &entry).await?;
        info!(operator_id = %op, merchant = %account.fingerprint(), "Pesapal keys saved");
        Ok(keys)
    }

    /// Forgets the operator's keys: payments go back to the deployment's default (none, outside
    /// the demo and the local sandbox).
    pub async fn clear_merchant_keys(&self, who: &Authenticated) -> Result<(), ServiceError> {
        let op = &who.operator.id;
        let Some(before) = self.store.merchant_keys(op).await? else {
            return Ok(());
        };
        let entry = self.audit_entry(
            who,
            "pesapal_keys.clear",
            op,
            Some(json!({ "consumer_key_ending": before.key_ending })),
            None,
        );
        match self.store.delete_merchant_keys(op, &entry).await {
            Ok(()) | Err(StoreError::ConditionFailed { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        info!(operator_id = %op, "Pesapal keys cleared");
        Ok(())
    }
}
