//! Agents: the owner invites them (a link to share, since Tiketi sends no e-mail), scopes them
//! to routers, sets their commission, hands them printed stock and records the cash they hand
//! over. Agents record their cash sales (`services::cash_sales`).

use rand::Rng;
use serde_json::json;
use tracing::info;

use super::{
    Platform, ServiceError, Tiketi,
    accounts::{Authenticated, text_field},
    catalog::new_id,
};
use crate::{
    domain::{
        account::{self, Email, Role, Session, User},
        agent::{AgentBalance, INVITE_LIFETIME, Invite, Settlement},
        ledger::Rate,
        money::Money,
        plan::Limit,
    },
    ports::Clock,
    store::StoreError,
};

/// What the owner fills in to invite or edit an agent.
#[derive(Debug, Clone, Default)]
pub struct AgentTerms {
    pub name: String,
    pub phone: String,
    /// Routers the agent works at (empty: all).
    pub router_ids: Vec<String>,
    /// Their own commission (`None`: the operator's default).
    pub commission: Option<Rate>,
}

/// An invitation as the owner shares it: the token is shown once, in the link.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub agent: User,
    pub token: String,
}

/// An agent with their balance.
#[derive(Debug, Clone)]
pub struct AgentView {
    pub user: User,
    pub balance: AgentBalance,
    /// Invited and not accepted yet.
    pub pending: bool,
}

fn new_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

impl<P: Platform> Tiketi<P> {
    async fn checked_terms(
        &self,
        operator_id: &str,
        terms: &AgentTerms,
    ) -> Result<AgentTerms, ServiceError> {
        let name = text_field(&terms.name, "The name", 80)?;
        let phone = match terms.phone.trim() {
            "" => String::new(),
            phone => crate::domain::phone::Msisdn::parse(phone)
                .map_err(|e| ServiceError::Invalid(e.to_string()))?
                .as_str()
                .to_owned(),
        };
        let routers = self.store.routers(operator_id).await?;
        for id in &terms.router_ids {
            if !routers.iter().any(|r| &r.id == id) {
                return Err(ServiceError::Invalid("choose routers from the list".into()));
            }
        }
        Ok(AgentTerms {
            name,
            phone,
            router_ids: terms.router_ids.clone(),
            commission: terms.commission,
        })
    }

    /// Creates an agent waiting for their first login and the invitation link's token.
    pub async fn invite_agent(
        &self,
        who: &Authenticated,
        email: &str,
        terms: &AgentTerms,
    ) -> Result<Invitation, ServiceError> {
        let op = &who.operator.id;
        self.require_room(&who.operator, Limit::Agents, 1).await?;
        let terms = self.checked_terms(op, terms).await?;
        let email = Email::parse(email).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let now = self.clock.now();
        let agent = User {
            id: new_id(),
            operator_id: op.clone(),
            email,
            name: terms.name,
            phone: Some(terms.phone).filter(|p| !p.is_empty()),
            role: Role::Agent,
            // No password until they accept: nobody can log in as them.
            password_hash: String::new(),
            router_ids: terms.router_ids,
            commission: terms.commission,
            active: false,
            created_at: now,
        };
        let token = new_token();
        let invite = Invite {
            operator_id: op.clone(),
            user_id: agent.id.clone(),
            expires_at: now + INVITE_LIFETIME,
        };
        let entry = self.audit_entry(
            who,
            "agent.invite",
            &agent.id,
            None,
            Some(agent_record(&agent)),
        );
        match self
            .store
            .create_invited_agent(&agent, &token, &invite, &entry)
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { index: 1 }) => {
                return Err(ServiceError::Conflict(
                    "this e-mail address already has a Tiketi account".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        info!(operator_id = %op, agent_id = %agent.id, "agent invited");
        Ok(Invitation { agent, token })
    }

    /// A fresh link for an agent who has not accepted yet (the old link keeps working until it
    /// expires or either is used).
    pub async fn renew_invite(
        &self,
        who: &Authenticated,
        agent_id: &str,
    ) -> Result<Invitation, ServiceError> {
        let agent = self.agent(&who.operator.id, agent_id).await?;
        if !agent.password_hash.is_empty() {
            return Err(ServiceError::Conflict(
                "this agent has already accepted the invitation".into(),
            ));
        }
        let token = new_token();
        let invite = Invite {
            operator_id: who.operator.id.clone(),
            user_id: agent.id.clone(),
            expires_at: self.clock.now() + INVITE_LIFETIME,
        };
        self.store.renew_invite(&token, &invite).await?;
        Ok(Invitation { agent, token })
    }

    /// The agent an invitation link names, if the link still works.
    pub async fn open_invite(&self, token: &str) -> Result<(User, String), ServiceError> {
        let invite = self
            .store
            .invite(token)
            .await?
            .filter(|i| i.expires_at > self.clock.now())
            .ok_or(ServiceError::NotFound("invitation"))?;
        let agent = self
            .store
            .user(&invite.operator_id, &invite.user_id)
            .await?
            .filter(|u| u.password_hash.is_empty())
            .ok_or(ServiceError::NotFound("invitation"))?;
        let business = self
            .store
            .operator(&invite.operator_id)
            .await?
            .map(|o| o.business_name)
            .unwrap_or_default();
        Ok((agent, business))
    }

    /// The agent sets their password: the invitation is used up and they are logged in.
    pub async fn accept_invite(
        &self,
        token: &str,
        password: &str,
    ) -> Result<Session, ServiceError> {
        let (mut agent, _) = self.open_invite(token).await?;
        account::check_password(password, &agent.email)
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        agent.password_hash = account::hash_password(password, &mut rand::rng());
        agent.active = true;
        match self.store.accept_invite(token, &agent).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(ServiceError::NotFound("invitation"));
            }
            Err(e) => return Err(e.into()),
        }
        info!(agent_id = %agent.id, "agent accepted the invitation");
        self.start_session(&agent).await
    }

    async fn agent(&self, operator_id: &str, agent_id: &str) -> Result<User, ServiceError> {
        self.store
            .user(operator_id, agent_id)
            .await?
            .filter(|u| u.role == Role::Agent)
            .ok_or(ServiceError::NotFound("agent"))
    }

    /// The operator's agents with their balances.
    pub async fn agents(&self, operator_id: &str) -> Result<Vec<AgentView>, ServiceError> {
        let mut out = Vec::new();
        for user in self.store.users(operator_id).await? {
            if user.role != Role::Agent {
                continue;
            }
            out.push(self.agent_view(user).await?);
        }
        Ok(out)
    }

    async fn agent_view(&self, user: User) -> Result<AgentView, ServiceError> {
        let balance = self
            .store
            .agent_balance(&user.operator_id, &user.id)
            .await?;
        Ok(AgentView {
            pending: user.password_hash.is_empty(),
            user,
            balance,
        })
    }

    pub async fn agent_details(
        &self,
        operator_id: &str,
        agent_id: &str,
    ) -> Result<AgentView, ServiceError> {
        let user = self.agent(operator_id, agent_id).await?;
        self.agent_view(user).await
    }

    /// Changes an agent's name, phone, routers, commission or access. Disabling ends their
    /// sessions at once. Audited (it changes what they earn and sell).
    pub async fn update_agent(
        &self,
        who: &Authenticated,
        agent_id: &str,
        terms: &AgentTerms,
        active: bool,
    ) -> Result<User, ServiceError> {
        let op = &who.operator.id;
        let before = self.agent(op, agent_id).await?;
        let terms = self.checked_terms(op, terms).await?;
        let mut agent = before.clone();
        agent.name = terms.name;
        agent.phone = Some(terms.phone).filter(|p| !p.is_empty());
        agent.router_ids = terms.router_ids;
        agent.commission = terms.commission;
        // An agent who never accepted stays waiting for the invitation.
        agent.active = active && !agent.password_hash.is_empty();
        if agent.active && !before.active {
            // Switching an agent back on takes a place on the plan again.
            self.require_room(&who.operator, Limit::Agents, 1).await?;
        }
        let entry = self.audit_entry(
            who,
            "agent.update",
            agent_id,
            Some(agent_record(&before)),
            Some(agent_record(&agent)),
        );
        self.store.update_user_audited(&agent, &entry).await?;
        if !agent.active {
            self.store.delete_sessions(op, agent_id, None).await?;
        }
        Ok(agent)
    }

    /// Records cash an agent handed over to the owner.
    pub async fn record_settlement(
        &self,
        who: &Authenticated,
        agent_id: &str,
        amount: &str,
        note: &str,
    ) -> Result<Settlement, ServiceError> {
        let op = &who.operator.id;
        let agent = self.agent(op, agent_id).await?;
        let amount = Money::parse_decimal(amount)
            .filter(|a| a.minor() > 0)
            .ok_or_else(|| {
                ServiceError::Invalid("the amount is a positive number, like 1500".into())
            })?;
        let note = match note.trim() {
            "" => String::new(),
            note => text_field(note, "The note", 200)?,
        };
        // Cash handed over is never more than the cash the agent holds: a typo (1000 for
        // 100) would otherwise leave the owner "owing" the agent.
        let balance = self.store.agent_balance(op, &agent.id).await?;
        let owed = balance.owed();
        if amount > owed {
            return Err(ServiceError::Invalid(format!(
                "{} holds {} for you; a settlement cannot be more than that",
                agent.name,
                owed.max(Money(0)).display(&who.operator.currency)
            )));
        }
        let settlement = Settlement {
            id: new_id(),
            operator_id: op.clone(),
            agent_id: agent.id.clone(),
            amount,
            note,
            recorded_by: who.actor(),
            at: self.clock.now(),
        };
        let entry = self.audit_entry(
            who,
            "agent.settlement",
            &agent.id,
            None,
            Some(json!(settlement)),
        );
        match self
            .store
            .record_settlement(&settlement, &entry, balance.settled)
            .await
        {
            Ok(()) => Ok(settlement),
            Err(StoreError::ConditionFailed { .. }) => Err(ServiceError::Conflict(format!(
                "another settlement with {} was recorded at the same moment: check the balance \
                 and try again",
                agent.name
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

/// What the audit log keeps of an agent (never the password hash).
fn agent_record(agent: &User) -> serde_json::Value {
    json!({
        "name": agent.name, "email": agent.email, "phone": agent.phone,
        "router_ids": agent.router_ids, "commission": agent.commission, "active": agent.active,
    })
}
