//! Operators' own Pesapal keys (sealed), each change with its audit entry.

use super::{Repository, Result, item};
use crate::{
    domain::{audit::AuditEntry, merchant::MerchantKeys},
    ports::table::{Condition, Table, Write},
    store::keys,
};

impl<T: Table> Repository<T> {
    pub async fn merchant_keys(&self, operator_id: &str) -> Result<Option<MerchantKeys>> {
        self.get_entity(&keys::merchant_keys(operator_id)).await
    }

    /// Sets or replaces the operator's keys.
    pub async fn save_merchant_keys(&self, keys: &MerchantKeys, entry: &AuditEntry) -> Result<()> {
        let key = keys::merchant_keys(&keys.operator_id);
        let write = Write::put(item(keys, key, "merchant_keys", &[]));
        self.audited(vec![write], entry).await
    }

    /// Removes the operator's keys; `ConditionFailed` when there are none.
    pub async fn delete_merchant_keys(&self, operator_id: &str, entry: &AuditEntry) -> Result<()> {
        let write = Write::Delete {
            key: keys::merchant_keys(operator_id),
            condition: Some(Condition::Exists),
        };
        self.audited(vec![write], entry).await
    }
}
