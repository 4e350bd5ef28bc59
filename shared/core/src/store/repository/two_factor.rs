//! Users' two-step login items. Every change is conditional on what was read, so a setup
//! cannot overwrite an enabled login, and two requests cannot both use a code of one step.

use super::{Repository, Result, item};
use crate::{
    domain::{audit::AuditEntry, two_factor::TwoFactor},
    ports::table::{Change, Condition, Item, Table, Write},
    store::keys,
};

fn two_factor_item(tf: &TwoFactor) -> Item {
    item(
        tf,
        keys::two_factor(&tf.operator_id, &tf.user_id),
        "two_factor",
        &[],
    )
}

/// The item still holds `tf`'s secret and is not enabled.
fn still_setting_up(tf: &TwoFactor) -> Condition {
    Condition::All(vec![
        Condition::attr_eq("secret", serde_json::to_value(&tf.secret).expect("text")),
        Condition::AttrAbsent("enabled_at".into()),
    ])
}

impl<T: Table> Repository<T> {
    pub async fn two_factor(&self, operator_id: &str, user_id: &str) -> Result<Option<TwoFactor>> {
        self.get_entity(&keys::two_factor(operator_id, user_id))
            .await
    }

    /// Stores a new, unconfirmed secret: the first, or `replacing` an unconfirmed one. Never
    /// replaces an enabled login (`ConditionFailed`).
    pub async fn save_two_factor_setup(
        &self,
        setup: &TwoFactor,
        replacing: Option<&TwoFactor>,
    ) -> Result<()> {
        let condition = replacing.map_or(Condition::NotExists, still_setting_up);
        let write = Write::Put {
            item: two_factor_item(setup),
            condition: Some(condition),
        };
        Ok(self.table.write(write).await?)
    }

    /// Switches on the setup `enabled` was made from (`setup`), with its audit entry;
    /// `ConditionFailed` when the setup changed meanwhile.
    pub async fn enable_two_factor(
        &self,
        enabled: &TwoFactor,
        setup: &TwoFactor,
        entry: &AuditEntry,
    ) -> Result<()> {
        let write = Write::Put {
            item: two_factor_item(enabled),
            condition: Some(still_setting_up(setup)),
        };
        self.audited(vec![write], entry).await
    }

    /// Records the step of an accepted code, unless another request recorded one since `tf`
    /// was read (`ConditionFailed`): a code is used once.
    pub async fn use_two_factor_step(&self, tf: &TwoFactor, step: u64) -> Result<()> {
        let unchanged = match tf.last_used_step {
            Some(used) => Condition::attr_eq("last_used_step", used),
            None => Condition::AttrAbsent("last_used_step".into()),
        };
        let write = Write::Update {
            key: keys::two_factor(&tf.operator_id, &tf.user_id),
            changes: vec![("last_used_step".into(), Change::Set(step.into()))],
            condition: Some(Condition::All(vec![
                unchanged,
                Condition::attr_eq("secret", serde_json::to_value(&tf.secret).expect("text")),
            ])),
        };
        Ok(self.table.write(write).await?)
    }

    /// Removes a user's two-step login (enabled or not), with its audit entry.
    pub async fn delete_two_factor(&self, tf: &TwoFactor, entry: &AuditEntry) -> Result<()> {
        let write = Write::Delete {
            key: keys::two_factor(&tf.operator_id, &tf.user_id),
            condition: Some(Condition::Exists),
        };
        self.audited(vec![write], entry).await
    }
}
