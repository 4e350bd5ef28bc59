//! The audit log as the owner reads it: newest first, paged.

use super::{
    Platform, ServiceError, Tiketi,
    paging::{Page, decode_cursor, newest_first, page_limit, reads_for},
};
use crate::domain::audit::AuditEntry;

impl<P: Platform> Tiketi<P> {
    /// One page of the operator's audit log, newest first.
    pub async fn audit_page(
        &self,
        operator_id: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<AuditEntry>, ServiceError> {
        let limit = page_limit(limit)?;
        let after = cursor.map(|c| decode_cursor(c, 'a')).transpose()?;
        let rows = self
            .store
            .audit_log(operator_id, after.as_deref(), reads_for(limit))
            .await?;
        Ok(newest_first(rows, after.as_ref(), limit, 'a'))
    }
}
