//! The [`Documents`] port on a directory (the local host: `<data-dir>/documents`), served by
//! the host itself at `GET /documents/{id}/{filename}?expires=…&signature=…`. A link carries its
//! expiry and an HMAC-SHA256 of id, filename and expiry under a key drawn when the directory is
//! opened, so a link can be neither altered nor kept past its expiry (nor past a restart).
//! Documents older than a day are deleted when the next one is stored.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tiketi_core::ports::documents::{Document, DocumentError, Documents};

/// How long stored documents are kept.
const KEEP: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct DirectoryDocuments {
    dir: PathBuf,
    base_url: String,
    key: [u8; 32],
}

/// A stored document, as the serving route answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub content_type: String,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this download link is not valid")]
    Invalid,
    #[error("this download link has expired: download the document again from the portal")]
    Expired,
}

fn unavailable(e: impl std::fmt::Display) -> DocumentError {
    DocumentError::Unavailable(e.to_string())
}

fn safe(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && !text.starts_with('.')
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl DirectoryDocuments {
    /// Documents under `dir`, linked as `{base_url}/documents/…`.
    pub fn open(dir: &Path, base_url: &str) -> Result<Self, DocumentError> {
        std::fs::create_dir_all(dir).map_err(unavailable)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            key: rand::random(),
        })
    }

    fn signature(&self, id: &str, filename: &str, expires: u64) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{id}/{filename}:{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The document a link names, if the link is genuine and not expired.
    pub fn read(
        &self,
        id: &str,
        filename: &str,
        expires: u64,
        signature: &str,
    ) -> Result<Stored, LinkError> {
        if !safe(id) || !safe(filename) {
            return Err(LinkError::Invalid);
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{id}/{filename}:{expires}").as_bytes());
        let given = hex::decode(signature).map_err(|_| LinkError::Invalid)?;
        mac.verify_slice(&given).map_err(|_| LinkError::Invalid)?;
        if unix_now() > expires {
            return Err(LinkError::Expired);
        }
        let meta = std::fs::read_to_string(self.dir.join(format!("{id}.json")))
            .map_err(|_| LinkError::Expired)?;
        let meta: serde_json::Value =
            serde_json::from_str(&meta).map_err(|_| LinkError::Invalid)?;
        if meta["filename"] != filename {
            return Err(LinkError::Invalid);
        }
        let bytes = std::fs::read(self.dir.join(id)).map_err(|_| LinkError::Expired)?;
        Ok(Stored {
            content_type: meta["content_type"]
                .as_str()
                .unwrap_or("application/octet-stream")
                .to_owned(),
            filename: filename.to_owned(),
            bytes,
        })
    }

    /// Deletes documents stored more than a day ago.
    fn sweep(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > KEEP);
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

impl Documents for DirectoryDocuments {
    async fn publish(&self, document: Document, ttl: Duration) -> Result<String, DocumentError> {
        if !safe(&document.filename) {
            return Err(DocumentError::Unavailable(format!(
                "not a file name: {}",
                document.filename
            )));
        }
        let id = ulid::Ulid::new().to_string().to_lowercase();
        let this = self.clone();
        let filename = document.filename.clone();
        let stored_id = id.clone();
        tokio::task::spawn_blocking(move || {
            this.sweep();
            std::fs::write(this.dir.join(&stored_id), &document.bytes)?;
            let meta = serde_json::json!({
                "operator_id": document.operator_id,
                "filename": document.filename,
                "content_type": document.content_type,
            });
            std::fs::write(this.dir.join(format!("{stored_id}.json")), meta.to_string())
        })
        .await
        .map_err(unavailable)?
        .map_err(unavailable)?;
        let expires = unix_now() + ttl.as_secs();
        let signature = self.signature(&id, &filename, expires);
        Ok(format!(
            "{}/documents/{id}/{filename}?expires={expires}&signature={signature}",
            self.base_url
        ))
    }
}
