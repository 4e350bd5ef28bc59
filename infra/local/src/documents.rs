//! `GET /documents/{id}/{filename}?expires=…&signature=…`: the local host serves the documents
//! the portal hands out (batch sheets, voucher scripts, CSV exports; `DirectoryDocuments`),
//! where on AWS a presigned S3 URL serves them.

use std::sync::Arc;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use tiketi_adapters::directory_documents::LinkError;
use tiketi_core::services::Tiketi;

use crate::host::LocalPlatform;

#[derive(Debug, Deserialize)]
struct Link {
    #[serde(default)]
    expires: u64,
    #[serde(default)]
    signature: String,
}

pub fn router(tiketi: Arc<Tiketi<LocalPlatform>>) -> Router {
    Router::new()
        .route("/documents/{id}/{filename}", get(download))
        .with_state(tiketi)
}

async fn download(
    State(tiketi): State<Arc<Tiketi<LocalPlatform>>>,
    Path((id, filename)): Path<(String, String)>,
    Query(link): Query<Link>,
) -> Response {
    let documents = tiketi.documents.clone();
    let read = tokio::task::spawn_blocking(move || {
        documents.read(&id, &filename, link.expires, &link.signature)
    })
    .await;
    match read {
        Ok(Ok(stored)) => (
            [
                (header::CONTENT_TYPE, stored.content_type),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", stored.filename),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            stored.bytes,
        )
            .into_response(),
        Ok(Err(error @ LinkError::Expired)) => {
            (StatusCode::GONE, error.to_string()).into_response()
        }
        Ok(Err(error)) => (StatusCode::FORBIDDEN, error.to_string()).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
