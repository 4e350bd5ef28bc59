//! Portal users, their login names, sessions and failed-login throttles.

use serde_json::json;

use super::{Repository, Result, admins, billing, catalog::operator_item, item};
use crate::{
    domain::{
        account::{Email, LoginThrottle, Session, User},
        audit::AuditEntry,
        catalog::Operator,
        subscription::Subscription,
    },
    ports::table::{Condition, Index, Item, Query, Table, TableError, Write},
    store::keys,
};

pub(super) fn user_item(user: &User) -> Item {
    item(user, keys::user(&user.operator_id, &user.id), "user", &[])
}

pub(super) fn login_item(user: &User) -> Item {
    item(
        &json!({"operator_id": user.operator_id, "user_id": user.id}),
        keys::login(user.email.as_str()),
        "login",
        &[],
    )
}

impl<T: Table> Repository<T> {
    /// Creates a new operator with its owner and subscription, all or nothing.
    /// `ConditionFailed { index: 2 }`: the e-mail address already has an account.
    pub async fn create_operator_account(
        &self,
        operator: &Operator,
        owner: &User,
        subscription: &Subscription,
    ) -> Result<()> {
        let mut writes = vec![
            Write::put_new(operator_item(operator)),
            Write::put_new(user_item(owner)),
            Write::put_new(login_item(owner)),
            billing::new_subscription_write(subscription),
            billing::platform_day_write(
                &operator.created_at.strftime("%Y-%m-%d").to_string(),
                &operator.id,
                &[("signups", 1)],
            ),
        ];
        // The administrator finds the business by its name, e-mail or phone.
        let mut terms = vec![
            admins::directory_term("name", &operator.business_name),
            admins::directory_term("email", owner.email.as_str()),
        ];
        if let Some(phone) = &owner.phone {
            terms.push(admins::directory_term("phone", phone));
        }
        writes.extend(admins::directory_writes(&operator.id, &terms));
        Ok(self.table.transact(writes).await?)
    }

    /// Adds a user to an existing operator. `ConditionFailed { index: 1 }`: the e-mail address
    /// already has an account.
    pub async fn add_user(&self, user: &User) -> Result<()> {
        let writes = vec![
            Write::put_new(user_item(user)),
            Write::put_new(login_item(user)),
        ];
        Ok(self.table.transact(writes).await?)
    }

    /// Saves a user's changed profile, password or rights (not the e-mail address).
    pub async fn update_user(&self, user: &User) -> Result<()> {
        let write = Write::Put {
            item: user_item(user),
            condition: Some(Condition::Exists),
        };
        Ok(self.table.write(write).await?)
    }

    /// Saves a user's changed rights with the audit entry recording them.
    pub async fn update_user_audited(&self, user: &User, entry: &AuditEntry) -> Result<()> {
        let write = Write::Put {
            item: user_item(user),
            condition: Some(Condition::Exists),
        };
        self.audited(vec![write], entry).await
    }

    pub async fn user(&self, operator_id: &str, id: &str) -> Result<Option<User>> {
        self.get_entity(&keys::user(operator_id, id)).await
    }

    pub async fn users(&self, operator_id: &str) -> Result<Vec<User>> {
        let query = Query::partition(Index::Primary, keys::operator_partition(operator_id))
            .begins_with(keys::USER_PREFIX);
        self.query_entities(&query).await
    }

    /// The user an e-mail address logs in as.
    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>> {
        let Some(login) = self.table.get(&keys::login(email.as_str())).await? else {
            return Ok(None);
        };
        match (login.str("operator_id"), login.str("user_id")) {
            (Some(op), Some(user)) => self.user(op, user).await,
            _ => Ok(None),
        }
    }

    pub async fn login_throttle(&self, email: &Email) -> Result<LoginThrottle> {
        Ok(self
            .get_entity(&keys::login_throttle(email.as_str()))
            .await?
            .unwrap_or_default())
    }

    /// Replaces the throttle `seen` (as read) by `next`, only if nobody changed it since:
    /// `false` when another attempt got in first (read again and decide again). This is what
    /// makes concurrent guesses count one by one instead of overwriting each other's count.
    pub async fn replace_login_throttle(
        &self,
        email: &Email,
        seen: &LoginThrottle,
        next: &LoginThrottle,
    ) -> Result<bool> {
        let key = keys::login_throttle(email.as_str());
        let unchanged = match seen.last_failure_at {
            // A stored throttle always has a failure time; none read means no item.
            None => Condition::NotExists,
            Some(at) => Condition::All(vec![
                Condition::attr_eq("failures", seen.failures),
                Condition::attr_eq("last_failure_at", json!(at)),
            ]),
        };
        let write = Write::Put {
            item: item(next, key, "login_throttle", &[]),
            condition: Some(unchanged),
        };
        match self.table.write(write).await {
            Ok(()) => Ok(true),
            Err(TableError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn clear_login_throttle(&self, email: &Email) -> Result<()> {
        let write = Write::Delete {
            key: keys::login_throttle(email.as_str()),
            condition: None,
        };
        Ok(self.table.write(write).await?)
    }

    pub async fn create_session(&self, session: &Session) -> Result<()> {
        let key = keys::session(&session.operator_id, &session.user_id, &session.id);
        // `ttl`: DynamoDB deletes expired sessions by itself (template.yaml enables it).
        let ttl = session.expires_at.as_second();
        let mut item = item(session, key, "session", &[]);
        item.0.insert("ttl".into(), ttl.into());
        Ok(self.table.write(Write::put_new(item)).await?)
    }

    pub async fn session(
        &self,
        operator_id: &str,
        user_id: &str,
        id: &str,
    ) -> Result<Option<Session>> {
        self.get_entity(&keys::session(operator_id, user_id, id))
            .await
    }

    pub async fn delete_session(&self, session: &Session) -> Result<()> {
        let key = keys::session(&session.operator_id, &session.user_id, &session.id);
        let write = Write::Delete {
            key,
            condition: None,
        };
        Ok(self.table.write(write).await?)
    }

    /// Ends every session of a user except `keep` (after a password change, or when an agent
    /// is disabled).
    pub async fn delete_sessions(
        &self,
        operator_id: &str,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<usize> {
        let query = Query::partition(Index::Primary, keys::user_partition(operator_id, user_id))
            .begins_with(keys::SESSION_PREFIX);
        let sessions: Vec<Session> = self.query_entities(&query).await?;
        let mut ended = 0;
        for session in sessions.iter().filter(|s| Some(s.id.as_str()) != keep) {
            self.delete_session(session).await?;
            ended += 1;
        }
        Ok(ended)
    }
}
