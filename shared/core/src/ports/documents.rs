//! The documents port: large downloads (batch PDF sheets, voucher scripts, CSV exports) are
//! stored and handed out by a short-lived link, never sent in a response body. On AWS a
//! response of a Lambda function behind API Gateway is capped at 6 MB (a 10,000-voucher A4
//! sheet is 6.8 MB, a thermal roll 14 MB), so the portal answers a download with a redirect to
//! the stored document.
//!
//! Contract (each adapter, see `tests/src/contract/documents.rs`):
//! - `publish` stores the bytes and returns an absolute URL that serves exactly them, with the
//!   given `Content-Type` and as an attachment named `filename`, to anyone holding the URL,
//!   until `ttl` has passed; after that the URL is refused;
//! - the URL cannot be guessed or altered into another document's (it is signed);
//! - stored documents are deleted by the adapter after a day at most.

use std::{future::Future, time::Duration};

/// A document to hand out.
#[derive(Debug, Clone)]
pub struct Document {
    /// Whose it is (a prefix of where it is stored).
    pub operator_id: String,
    /// The name the browser saves it under (`tiketi-batch-…pdf`): letters, digits, `.-_`.
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("document storage unavailable: {0}")]
    Unavailable(String),
}

/// How long a download link works: long enough to start a download on a slow link, short
/// enough that a link in a browser's history is of no use later.
pub const LINK_LIFETIME: Duration = Duration::from_secs(300);

pub trait Documents: Send + Sync + 'static {
    /// Stores the document; its download URL, valid for `ttl`.
    fn publish(
        &self,
        document: Document,
        ttl: Duration,
    ) -> impl Future<Output = Result<String, DocumentError>> + Send;
}
