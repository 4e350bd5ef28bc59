//! The documents contract (`tiketi_core::ports::documents`): what every adapter must do with a
//! published document, checked by fetching its link as a browser would, with no credentials.

use std::time::Duration;

use tiketi_core::ports::documents::{Document, Documents};

fn document(filename: &str, bytes: Vec<u8>) -> Document {
    Document {
        operator_id: "op1".into(),
        filename: filename.into(),
        content_type: "application/pdf".into(),
        bytes,
    }
}

/// The link serves exactly the bytes, with the type and as an attachment under the name.
pub async fn a_link_serves_the_document<D: Documents>(documents: &D) {
    // Larger than a Lambda response may be: the point of the port.
    let bytes: Vec<u8> = (0..7_000_000u32).map(|i| (i % 251) as u8).collect();
    let url = documents
        .publish(
            document("sheet-1.pdf", bytes.clone()),
            Duration::from_secs(60),
        )
        .await
        .expect("published");
    let answer = reqwest::get(&url).await.expect("the link answers");
    assert_eq!(answer.status(), 200, "{url}");
    assert_eq!(answer.headers()["content-type"], "application/pdf");
    let disposition = answer.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment") && disposition.contains("sheet-1.pdf"),
        "{disposition}"
    );
    assert_eq!(answer.bytes().await.unwrap().to_vec(), bytes);
}

/// Two documents with the same name get different links, each serving its own bytes.
pub async fn links_are_distinct<D: Documents>(documents: &D) {
    let first = documents
        .publish(
            document("same.csv", b"one".to_vec()),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let second = documents
        .publish(
            document("same.csv", b"two".to_vec()),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(
        reqwest::get(&first).await.unwrap().text().await.unwrap(),
        "one"
    );
    assert_eq!(
        reqwest::get(&second).await.unwrap().text().await.unwrap(),
        "two"
    );
}

/// Runs the contract against the adapter `$make` builds (`async fn() -> (adapter, guard)`).
#[macro_export]
macro_rules! documents_contract {
    ($make:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_link_serves_the_document() {
            let (documents, _guard) = $make.await;
            $crate::contract::documents::a_link_serves_the_document(&documents).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn links_are_distinct() {
            let (documents, _guard) = $make.await;
            $crate::contract::documents::links_are_distinct(&documents).await;
        }
    };
}
