//! API tokens of an operator (digests only), each creation and revocation with its audit entry.

use jiff::Timestamp;

use super::{Repository, Result, item, set};
use crate::{
    domain::{api_token::ApiToken, audit::AuditEntry, batch::Actor},
    ports::table::{Condition, Index, Query, Table, Write},
    store::keys,
};

impl<T: Table> Repository<T> {
    pub async fn create_api_token(&self, token: &ApiToken, entry: &AuditEntry) -> Result<()> {
        let key = keys::api_token(&token.operator_id, &token.id);
        let write = Write::put_new(item(token, key, "api_token", &[]));
        self.audited(vec![write], entry).await
    }

    pub async fn api_token(&self, operator_id: &str, id: &str) -> Result<Option<ApiToken>> {
        self.get_entity(&keys::api_token(operator_id, id)).await
    }

    /// The operator's tokens, oldest first (revoked ones included).
    pub async fn api_tokens(&self, operator_id: &str) -> Result<Vec<ApiToken>> {
        let query = Query::partition(Index::Primary, keys::operator_partition(operator_id))
            .begins_with(keys::API_TOKEN_PREFIX);
        self.query_entities(&query).await
    }

    /// Revokes a token; `ConditionFailed` if it is unknown or already revoked.
    pub async fn revoke_api_token(
        &self,
        token: &ApiToken,
        by: &Actor,
        at: Timestamp,
        entry: &AuditEntry,
    ) -> Result<()> {
        let write = Write::Update {
            key: keys::api_token(&token.operator_id, &token.id),
            changes: vec![
                ("revoked_at".into(), set(at)),
                ("revoked_by".into(), set(by)),
            ],
            condition: Some(Condition::All(vec![
                Condition::Exists,
                Condition::AttrAbsent("revoked_at".into()),
            ])),
        };
        self.audited(vec![write], entry).await
    }

    /// Notes that a token was used (shown in the portal); never brings a revoked token back.
    pub async fn touch_api_token(&self, token: &ApiToken, at: Timestamp) -> Result<()> {
        let write = Write::Update {
            key: keys::api_token(&token.operator_id, &token.id),
            changes: vec![("last_used_at".into(), set(at))],
            condition: Some(Condition::All(vec![
                Condition::Exists,
                Condition::AttrAbsent("revoked_at".into()),
            ])),
        };
        Ok(self.table.write(write).await?)
    }
}
