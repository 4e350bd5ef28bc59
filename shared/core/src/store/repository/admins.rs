//! Platform administrators, their sessions, and the operator directory their search reads.

use super::{Repository, Result, item, set};
use crate::{
    domain::admin::{AdminSession, Administrator},
    ports::table::{Condition, Index, Item, Query, Table, Write, attr},
    store::keys,
};

fn admin_item(admin: &Administrator) -> Item {
    item(
        admin,
        keys::admin(&admin.id),
        "administrator",
        &[
            (attr::GSI1PK, keys::ADMINS_PARTITION.to_owned()),
            (attr::GSI1SK, admin.email.as_str().to_owned()),
        ],
    )
}

/// One searchable term of an operator: lower-case, at most 60 characters, without `#`.
pub fn directory_term(kind: &str, text: &str) -> String {
    let clean: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| *c != '#' && !c.is_control())
        .take(60)
        .collect();
    format!("{kind}:{clean}")
}

/// The writes that list an operator in the directory under each of `terms`.
pub(crate) fn directory_writes(operator_id: &str, terms: &[String]) -> Vec<Write> {
    terms
        .iter()
        .map(|term| {
            let entry = serde_json::json!({ "operator_id": operator_id, "term": term });
            Write::put(item(
                &entry,
                keys::directory_entry(term, operator_id),
                "directory",
                &[],
            ))
        })
        .collect()
}

impl<T: Table> Repository<T> {
    /// Creates an administrator; `ConditionFailed` if the address has one already.
    pub async fn create_admin(&self, admin: &Administrator) -> Result<()> {
        Ok(self.table.write(Write::put_new(admin_item(admin))).await?)
    }

    /// Replaces an administrator's password (the command that adds one, run again).
    pub async fn update_admin(&self, admin: &Administrator) -> Result<()> {
        let write = Write::Put {
            item: admin_item(admin),
            condition: Some(Condition::Exists),
        };
        Ok(self.table.write(write).await?)
    }

    pub async fn admin(&self, id: &str) -> Result<Option<Administrator>> {
        self.get_entity(&keys::admin(id)).await
    }

    pub async fn admins(&self) -> Result<Vec<Administrator>> {
        self.query_entities(&Query::partition(Index::Gsi1, keys::ADMINS_PARTITION))
            .await
    }

    /// Stores a new TOTP secret being enrolled, unless two-step login was confirmed meanwhile.
    pub async fn set_admin_totp(&self, admin: &Administrator) -> Result<()> {
        let write = Write::Update {
            key: keys::admin(&admin.id),
            changes: vec![("totp".into(), set(&admin.totp))],
            condition: Some(Condition::All(vec![
                Condition::Exists,
                Condition::AttrAbsent("totp_enabled_at".into()),
            ])),
        };
        Ok(self.table.write(write).await?)
    }

    /// Records an accepted code's step (and the enrolment, at the first one); fails if another
    /// request used a code since `seen` was read, so no code is accepted twice.
    pub async fn use_admin_step(&self, seen: &Administrator, next: &Administrator) -> Result<()> {
        let unchanged = match seen.last_used_step {
            Some(step) => Condition::attr_eq("last_used_step", step),
            None => Condition::AttrAbsent("last_used_step".into()),
        };
        // At enrolment, the secret the code was checked against must still be the stored one
        // (the enrolment page shown again meanwhile would have replaced it).
        let same_secret = Condition::attr_eq(
            "totp",
            serde_json::to_value(&seen.totp).expect("values serialize"),
        );
        let write = Write::Update {
            key: keys::admin(&seen.id),
            changes: vec![
                ("last_used_step".into(), set(next.last_used_step)),
                ("totp_enabled_at".into(), set(next.totp_enabled_at)),
            ],
            condition: Some(Condition::All(vec![
                Condition::Exists,
                unchanged,
                same_secret,
            ])),
        };
        Ok(self.table.write(write).await?)
    }

    pub async fn put_admin_session(&self, session: &AdminSession) -> Result<()> {
        let key = keys::admin_session(&session.admin_id, &session.id);
        let mut item = item(session, key, "admin_session", &[]);
        // DynamoDB removes expired sessions by itself (the table's TTL attribute).
        item.0
            .insert("ttl".into(), session.expires_at.as_second().into());
        Ok(self.table.write(Write::put(item)).await?)
    }

    pub async fn admin_session(&self, admin_id: &str, id: &str) -> Result<Option<AdminSession>> {
        self.get_entity(&keys::admin_session(admin_id, id)).await
    }

    pub async fn delete_admin_session(&self, session: &AdminSession) -> Result<()> {
        let write = Write::Delete {
            key: keys::admin_session(&session.admin_id, &session.id),
            condition: None,
        };
        Ok(self.table.write(write).await?)
    }

    /// Operators whose name, e-mail or phone starts with `term` (already a directory term),
    /// at most `limit`.
    pub async fn search_directory(&self, term: &str, limit: usize) -> Result<Vec<String>> {
        let query = Query::partition(Index::Primary, keys::DIRECTORY_PARTITION)
            .begins_with(term.to_owned())
            .limit(limit);
        let page = self.table.query(&query).await?;
        let mut ids: Vec<String> = page
            .items
            .iter()
            .filter_map(|i| i.str("operator_id").map(str::to_owned))
            .collect();
        ids.dedup();
        Ok(ids)
    }

    /// The newest operators (their ids are ULIDs: newest sort last), at most `limit`.
    pub async fn newest_operators(
        &self,
        limit: usize,
    ) -> Result<Vec<crate::domain::catalog::Operator>> {
        let query = Query::partition(Index::Gsi1, keys::OPERATORS_PARTITION)
            .descending()
            .limit(limit);
        self.query_entities(&query).await
    }
}
