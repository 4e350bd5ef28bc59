//! Downloads too large for a response body (see `ports::documents`): stored, then handed out by
//! a short-lived link the browser is redirected to.

use super::{Platform, ServiceError, Tiketi};
use crate::ports::documents::{Document, Documents, LINK_LIFETIME};

impl<P: Platform> Tiketi<P> {
    /// Stores a document of `operator_id`; the link to download it (valid a few minutes).
    pub async fn hand_out(
        &self,
        operator_id: &str,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<String, ServiceError> {
        let document = Document {
            operator_id: operator_id.to_owned(),
            filename: filename.to_owned(),
            content_type: content_type.to_owned(),
            bytes,
        };
        Ok(self.documents.publish(document, LINK_LIFETIME).await?)
    }
}
