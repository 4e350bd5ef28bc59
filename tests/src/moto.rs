//! Starts and stops a moto server (DynamoDB and SQS emulator) for one test.
//!
//! moto must be importable by `$TIKETI_MOTO_PYTHON` (default `python3`; `scripts/test` installs
//! it in a venv and sets that). Each test gets its own server on a free port, killed when the
//! guard drops, so tests are isolated and leave nothing behind. The server is started through
//! `tests/moto_serial.py`, which serves one request at a time: threaded moto lets racing
//! conditional transactions both win, which DynamoDB never does.

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
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let python = std::env::var("TIKETI_MOTO_PYTHON").unwrap_or_else(|_| "python3".into());
        let launcher = crate::repo_path("tests/moto_serial.py");
        let child = Command::new(python)
            .arg(launcher)
            .args(["127.0.0.1", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "python3 with moto is needed: run scripts/test, or `pip install 'moto[server]'`",
            );
        let endpoint = format!("http://127.0.0.1:{port}");
        let moto = Self { child, endpoint };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client
                .get(format!("{}/moto-api/", moto.endpoint))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
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
