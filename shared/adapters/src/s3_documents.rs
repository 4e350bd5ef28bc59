//! The [`Documents`] port on S3 (the stack's `DocumentsBucket`): a document is put under
//! `documents/<operator>/<id>/<filename>` with its type and an attachment disposition, and
//! handed out as a presigned GET URL valid for the link's lifetime. The bucket's lifecycle rule
//! deletes documents after a day; the bucket is private (the URL's signature is the only way
//! in).

use std::time::Duration;

use aws_sdk_s3::{
    Client, error::DisplayErrorContext, presigning::PresigningConfig, primitives::ByteStream,
};
use tiketi_core::ports::documents::{Document, DocumentError, Documents};

/// The environment variable naming the bucket (set by `template.yaml`).
pub const BUCKET_VAR: &str = "DOCUMENTS_BUCKET";

#[derive(Debug, Clone)]
pub struct S3Documents {
    client: Client,
    /// `None` in functions that hand out no documents (the template gives them no bucket).
    bucket: Option<String>,
}

fn unavailable(e: impl std::fmt::Display) -> DocumentError {
    DocumentError::Unavailable(e.to_string())
}

impl S3Documents {
    pub fn new(client: Client, bucket: Option<String>) -> Self {
        Self { client, bucket }
    }
}

impl Documents for S3Documents {
    async fn publish(&self, document: Document, ttl: Duration) -> Result<String, DocumentError> {
        let bucket = self.bucket.as_deref().ok_or_else(|| {
            DocumentError::Unavailable(format!("{BUCKET_VAR} is not set for this function"))
        })?;
        let id = ulid::Ulid::new().to_string().to_lowercase();
        let key = format!(
            "documents/{}/{id}/{}",
            document.operator_id, document.filename
        );
        self.client
            .put_object()
            .bucket(bucket)
            .key(&key)
            .content_type(&document.content_type)
            .content_disposition(format!("attachment; filename=\"{}\"", document.filename))
            .body(ByteStream::from(document.bytes))
            .send()
            .await
            .map_err(|e| unavailable(DisplayErrorContext(e)))?;
        let presigning = PresigningConfig::expires_in(ttl).map_err(unavailable)?;
        let request = self
            .client
            .get_object()
            .bucket(bucket)
            .key(&key)
            .presigned(presigning)
            .await
            .map_err(|e| unavailable(DisplayErrorContext(e)))?;
        Ok(request.uri().to_owned())
    }
}
