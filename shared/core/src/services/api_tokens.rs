//! API tokens (`domain::api_token`): owners create and revoke them in the portal; every REST
//! API request presents one and acts as the owner who created it, within its scope.

use std::time::Duration;

use serde_json::json;
use tracing::{info, warn};

use super::{
    Platform, ServiceError, Tiketi,
    accounts::{Authenticated, Credential, text_field},
    catalog::new_id,
};
use crate::{
    domain::{
        api_token::{self, ApiToken, Scope, TokenText},
        plan::Feature,
    },
    ports::Clock,
    store::StoreError,
};

/// Most tokens an operator keeps (revoked ones included); enough for every integration.
pub const MAX_TOKENS: usize = 50;
/// `last_used_at` is written at most this often per token, so reads stay reads.
const TOUCH_EVERY: Duration = Duration::from_secs(300);

/// What an audit entry keeps of a token (never its digest).
fn audit_view(token: &ApiToken) -> serde_json::Value {
    json!({ "id": token.id, "name": token.name, "scope": token.scope, "hint": token.hint,
        "revoked_at": token.revoked_at })
}

/// Tokens are made and revoked by an owner logged in to the portal, never by a token.
fn owner_logged_in(who: &Authenticated) -> Result<(), ServiceError> {
    if who.user.is_owner() && who.session().is_some() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

impl<P: Platform> Tiketi<P> {
    /// Creates a token; its text is returned once and never stored.
    pub async fn create_api_token(
        &self,
        who: &Authenticated,
        name: &str,
        scope: Scope,
    ) -> Result<(ApiToken, TokenText), ServiceError> {
        owner_logged_in(who)?;
        let name = text_field(name, "Name", 60)?;
        let op = &who.operator.id;
        if self.store.api_tokens(op).await?.len() >= MAX_TOKENS {
            return Err(ServiceError::Invalid(format!(
                "a business keeps at most {MAX_TOKENS} tokens"
            )));
        }
        self.require_feature(&who.operator, Feature::ApiTokens)
            .await?;
        let id = new_id();
        let minted = api_token::mint(op, &id, &mut rand::rng());
        let token = ApiToken {
            id,
            operator_id: op.clone(),
            name,
            scope,
            digest: minted.digest,
            hint: minted.hint,
            created_at: self.clock.now(),
            created_by: who.actor(),
            last_used_at: None,
            revoked_at: None,
            revoked_by: None,
        };
        let entry = self.audit_entry(
            who,
            "api_token.create",
            &token.id,
            None,
            Some(audit_view(&token)),
        );
        self.store.create_api_token(&token, &entry).await?;
        info!(operator_id = %op, token_id = %token.id, scope = token.scope.as_str(), "API token created");
        Ok((token, minted.text))
    }

    /// Revokes a token: requests with it fail from now on.
    pub async fn revoke_api_token(
        &self,
        who: &Authenticated,
        id: &str,
    ) -> Result<ApiToken, ServiceError> {
        owner_logged_in(who)?;
        let op = &who.operator.id;
        let token = self
            .store
            .api_token(op, id)
            .await?
            .ok_or(ServiceError::NotFound("API token"))?;
        let now = self.clock.now();
        let mut revoked = token.clone();
        revoked.revoked_at = Some(now);
        revoked.revoked_by = Some(who.actor());
        let entry = self.audit_entry(
            who,
            "api_token.revoke",
            &token.id,
            Some(audit_view(&token)),
            Some(audit_view(&revoked)),
        );
        match self
            .store
            .revoke_api_token(&token, &who.actor(), now, &entry)
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::Conflict(
                    "this token is already revoked".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        info!(operator_id = %op, token_id = %id, "API token revoked");
        Ok(revoked)
    }

    /// The owner the presented token acts for; `Unauthorized` for anything but a live token
    /// of an active owner.
    pub async fn authenticate_api_token(&self, text: &str) -> Result<Authenticated, ServiceError> {
        let presented = api_token::parse(text).ok_or(ServiceError::Unauthorized)?;
        let op = presented.operator_id;
        let token = self
            .store
            .api_token(op, presented.token_id)
            .await?
            .filter(|t| t.accepts(presented.secret))
            .ok_or_else(|| {
                warn!(operator_id = %op, token_id = %presented.token_id, "API token refused");
                ServiceError::Unauthorized
            })?;
        let user = self
            .store
            .user(op, &token.created_by.user_id)
            .await?
            .filter(|u| u.active && u.is_owner())
            .ok_or(ServiceError::Unauthorized)?;
        let operator = self
            .store
            .operator(op)
            .await?
            .ok_or(ServiceError::Unauthorized)?;
        let now = self.clock.now();
        let stale = token
            .last_used_at
            .is_none_or(|at| now.duration_since(at).unsigned_abs() >= TOUCH_EVERY);
        if stale && let Err(error) = self.store.touch_api_token(&token, now).await {
            // Only the "last used" column suffers; the request goes on.
            warn!(%error, token_id = %token.id, "could not note the token's use");
        }
        Ok(Authenticated {
            user,
            operator,
            via: Credential::ApiToken {
                id: token.id,
                name: token.name,
                scope: token.scope,
            },
        })
    }
}
