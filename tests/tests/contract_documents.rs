//! The documents contract, run against the local host's documents (a directory served by the
//! host) and against S3 (served by a moto emulator started by each test); and what only the
//! local adapter enforces itself (on AWS, S3 checks presigned URLs: moto does not).

mod directory {
    use std::sync::Arc;

    use tiketi_tests::app::{TestApp, spawn_app};

    /// The host's own documents, served by the host.
    async fn make() -> (
        tiketi_adapters::directory_documents::DirectoryDocuments,
        Arc<TestApp>,
    ) {
        let app = Arc::new(spawn_app().await);
        (app.host.tiketi.documents.clone(), app)
    }

    tiketi_tests::documents_contract!(make());

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn altered_and_expired_links_are_refused() {
        use std::time::Duration;

        use tiketi_core::ports::documents::{Document, Documents};
        let (documents, _app) = make().await;
        let publish = |ttl| {
            documents.publish(
                Document {
                    operator_id: "op1".into(),
                    filename: "a.csv".into(),
                    content_type: "text/csv".into(),
                    bytes: b"secret figures".to_vec(),
                },
                ttl,
            )
        };
        let url = publish(Duration::from_secs(60)).await.unwrap();
        let forged = url.replace("a.csv", "b.csv");
        assert_eq!(reqwest::get(&forged).await.unwrap().status(), 403);
        let longer = url.replace("expires=", "expires=9");
        assert_eq!(reqwest::get(&longer).await.unwrap().status(), 403);
        let expired = publish(Duration::ZERO).await.unwrap();
        // Expiry is checked in whole seconds: wait for the next one.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let answer = reqwest::get(&expired).await.unwrap();
        assert_eq!(answer.status(), 410);
        assert!(answer.text().await.unwrap().contains("expired"));
    }
}

mod s3 {
    use tiketi_adapters::s3_documents::S3Documents;
    use tiketi_tests::moto::{Moto, unique_name};

    async fn make() -> (S3Documents, Moto) {
        let moto = Moto::start().await;
        let config = aws_sdk_s3::config::Builder::from(&moto.sdk_config().await)
            .force_path_style(true)
            .build();
        let client = aws_sdk_s3::Client::from_conf(config);
        let bucket = unique_name("documents");
        client.create_bucket().bucket(&bucket).send().await.unwrap();
        (S3Documents::new(client, Some(bucket)), moto)
    }

    tiketi_tests::documents_contract!(make());
}
