//! Starts and stops a moto server (DynamoDB and SQS emulator) for one test.
//!
//! `moto_server` must be on PATH (`scripts/test` installs it). Each test gets its own server
//! on a free port, killed when the guard drops, so tests are isolated and leave nothing behind.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server must be on PATH: run scripts/test, or `pip install 'moto[server]'`");
        let endpoint = format!("http://127.0.0.1:{port}");
        let moto = Self { child, endpoint };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client.get(format!("{}/moto-api/", moto.endpoint)).send().await.is_ok_and(|r| r.status().is_success()) {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("moto_server did not start on {}", moto.endpoint);
    }

    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .load()
            .await
    }

    pub async fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config().await)
    }

    pub async fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk_config().await)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A name no other test uses.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}
