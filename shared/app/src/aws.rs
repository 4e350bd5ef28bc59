//! Wiring of the AWS deployment: DynamoDB, SQS, S3, Pesapal, the system clock, from the
//! environment `template.yaml` sets, and the secrets it names.
//!
//! Secrets live in Secrets Manager and are read once, at init, by the functions that use them:
//! the template gives a function the ARN of a secret (and the permission to read it) only if it
//! needs it, so what a function can learn is what its environment names.
//!
//! | variable | secret | read by |
//! |---|---|---|
//! | `SESSION_KEY_SECRET_ARN` | the portal's signing key (64 hex digits) | portal |
//! | `DATA_KEY_SECRET_ARN` | the key sealing secrets at rest (64 hex digits) | portal, checkout, pesapal-ipn, expiry |
//! | `PESAPAL_SECRET_ARN` | the platform's Pesapal keys, `{"consumer_key", "consumer_secret"}` | checkout, pesapal-ipn, expiry, portal |

use std::time::Duration;

use aws_sdk_secretsmanager::error::DisplayErrorContext;
use tiketi_adapters::{
    clock::SystemClock, dynamodb::DynamoTable, pesapal::PesapalClient, s3_documents::S3Documents,
    sqs::SqsQueue,
};
use tiketi_core::{
    domain::sealed::DataKey,
    ports::gateway::MerchantAccount,
    services::{Adapters, Platform, Tiketi},
};

use crate::{
    config::{self, Config, ConfigError},
    http::portal::cookie::CookieKey,
};

/// `true`: create the demo hotspot at cold start if it is missing (template parameter
/// `SeedDemoOperator`, given to the `expiry` function only; see docs/deploy.md).
pub const SEED_DEMO_OPERATOR: &str = "SEED_DEMO_OPERATOR";
pub const SESSION_KEY_SECRET: &str = "SESSION_KEY_SECRET_ARN";
pub const DATA_KEY_SECRET: &str = "DATA_KEY_SECRET_ARN";
pub const PESAPAL_SECRET: &str = "PESAPAL_SECRET_ARN";

/// Per Pesapal call: a checkout may make three (token, IPN registration, order) and must answer
/// within the HTTP API's 29 s.
const PESAPAL_TIMEOUT: Duration = Duration::from_secs(8);

#[derive(Debug)]
pub struct AwsPlatform;

impl Platform for AwsPlatform {
    type Table = DynamoTable;
    type Queue = SqsQueue;
    type Gateway = PesapalClient;
    type Clock = SystemClock;
    type Documents = S3Documents;
}

/// Everything a Lambda function reads from its environment (set by `template.yaml`), with the
/// secrets it names already read.
#[derive(Debug, Clone)]
pub struct AwsConfig {
    pub config: Config,
    pub table_name: String,
    pub queue_url: String,
    /// `DOCUMENTS_BUCKET`: where downloads go (the portal only; see `ports::documents`).
    pub documents_bucket: Option<String>,
    /// Create the demo hotspot at cold start if it is missing.
    pub seed_demo: bool,
}

/// What one function has: its use cases, and the portal's signing key if it was given one.
#[derive(Debug)]
pub struct Deployment {
    pub tiketi: Tiketi<AwsPlatform>,
    pub session_key: Option<CookieKey>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Reads a secret's value, if the function was given its ARN in `variable`.
async fn secret(
    client: &aws_sdk_secretsmanager::Client,
    variable: &'static str,
) -> Result<Option<String>, ConfigError> {
    let Some(arn) = var(variable) else {
        return Ok(None);
    };
    let answer = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| ConfigError::Secret(variable, DisplayErrorContext(e).to_string()))?;
    Ok(answer.secret_string().map(|s| s.trim().to_owned()))
}

/// The platform's Pesapal keys: `{"consumer_key": "...", "consumer_secret": "..."}`, both or
/// neither (empty strings: none).
fn merchant(json: &str) -> Result<Option<MerchantAccount>, ConfigError> {
    #[derive(serde::Deserialize)]
    struct Keys {
        #[serde(default)]
        consumer_key: String,
        #[serde(default)]
        consumer_secret: String,
    }
    let keys: Keys = serde_json::from_str(json)
        .map_err(|e| ConfigError::Secret(PESAPAL_SECRET, format!("not the expected JSON: {e}")))?;
    match (keys.consumer_key.trim(), keys.consumer_secret.trim()) {
        ("", "") => Ok(None),
        ("", _) | (_, "") => Err(ConfigError::Secret(
            PESAPAL_SECRET,
            "consumer_key and consumer_secret must be set together".into(),
        )),
        (key, secret) => Ok(Some(MerchantAccount {
            consumer_key: key.to_owned(),
            consumer_secret: secret.to_owned(),
        })),
    }
}

impl AwsConfig {
    /// The environment, and the secrets it names (read concurrently, once).
    pub async fn load(
        sdk: &aws_config::SdkConfig,
    ) -> Result<(Self, Option<CookieKey>), ConfigError> {
        let public_base_url =
            var(config::PUBLIC_BASE_URL).ok_or(ConfigError::Missing(config::PUBLIC_BASE_URL))?;
        let secrets = aws_sdk_secretsmanager::Client::new(sdk);
        let (session, data, pesapal) = tokio::try_join!(
            secret(&secrets, SESSION_KEY_SECRET),
            secret(&secrets, DATA_KEY_SECRET),
            secret(&secrets, PESAPAL_SECRET),
        )?;
        let session_key = session.map(|hex| CookieKey::from_hex(&hex)).transpose()?;
        let data_key = data.map(|hex| DataKey::from_hex(&hex)).transpose()?;
        let merchant = pesapal.as_deref().map(merchant).transpose()?.flatten();
        let config = Config {
            public_base_url,
            router_base_url: var(config::ROUTER_BASE_URL),
            pesapal_base_url: var(config::PESAPAL_BASE_URL)
                .unwrap_or_else(|| config::PESAPAL_SANDBOX_URL.into()),
            merchant,
            data_key,
        };
        let aws = Self {
            table_name: var("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?,
            queue_url: var("QUEUE_URL").ok_or(ConfigError::Missing("QUEUE_URL"))?,
            documents_bucket: var(tiketi_adapters::s3_documents::BUCKET_VAR),
            seed_demo: var(SEED_DEMO_OPERATOR).is_some_and(|v| v == "true"),
            config,
        };
        Ok((aws, session_key))
    }
}

/// Builds a Lambda function's use cases from its environment and secrets.
pub async fn from_env() -> Result<Deployment, ConfigError> {
    let sdk = lambda_sdk_config()?;
    let (aws, session_key) = AwsConfig::load(&sdk).await?;
    Ok(Deployment {
        tiketi: build(&aws, &sdk).await?,
        session_key,
    })
}

/// The SDK configuration of a Lambda function: the region and its role's credentials, which
/// Lambda puts in the environment, and `AWS_ENDPOINT_URL` when an emulator stands in for AWS.
///
/// Not `aws_config::load_defaults`: its chains (profile files, SSO, STS web identity, IMDS, ECS
/// credentials) are never used in Lambda, yet every function would link them (about 0.4 MB of
/// each zipped package, docs/benchmarks.md) and read profile files at each cold start.
fn lambda_sdk_config() -> Result<aws_config::SdkConfig, ConfigError> {
    use aws_config::{
        BehaviorVersion, Region, SdkConfig, environment::EnvironmentVariableCredentialsProvider,
        retry::RetryConfig, timeout::TimeoutConfig,
    };
    use aws_sdk_dynamodb::config::SharedCredentialsProvider;

    let region = var("AWS_REGION").ok_or(ConfigError::Missing("AWS_REGION"))?;
    let credentials = EnvironmentVariableCredentialsProvider::new();
    let mut sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(RetryConfig::standard())
        // aws-config's default: fail over fast on a connection that does not open.
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(3_100))
                .build(),
        );
    if let Some(endpoint) = var("AWS_ENDPOINT_URL") {
        sdk = sdk.endpoint_url(endpoint);
    }
    Ok(sdk.build())
}

/// Wires DynamoDB, SQS, S3, Pesapal and the clock, and seeds the demo if asked to.
pub async fn build(
    aws: &AwsConfig,
    sdk: &aws_config::SdkConfig,
) -> Result<Tiketi<AwsPlatform>, ConfigError> {
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(sdk), aws.table_name.clone());
    let queue = SqsQueue::new(aws_sdk_sqs::Client::new(sdk), aws.queue_url.clone())
        .with_dead_letter_queue(var(tiketi_adapters::sqs::DEAD_LETTER_QUEUE_URL_VAR));
    let gateway = PesapalClient::new(&aws.config.pesapal_base_url, PESAPAL_TIMEOUT);
    // An emulator (AWS_ENDPOINT_URL, as in the cloud rehearsal) serves buckets by path, not by
    // host name; on AWS the default virtual-hosted addresses are used.
    let s3 = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(std::env::var_os("AWS_ENDPOINT_URL").is_some())
        .build();
    let documents = S3Documents::new(
        aws_sdk_s3::Client::from_conf(s3),
        aws.documents_bucket.clone(),
    );
    let adapters = Adapters {
        table,
        queue,
        gateway,
        clock: SystemClock,
        documents,
    };
    let tiketi = Tiketi::new(adapters, aws.config.settings());
    if aws.seed_demo {
        // Idempotent: one conditional write when the demo exists.
        tiketi.ensure_demo().await?;
    }
    Ok(tiketi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_keys_are_both_or_neither() {
        assert!(
            merchant(r#"{"consumer_key":"","consumer_secret":""}"#)
                .unwrap()
                .is_none()
        );
        let keys = merchant(r#"{"consumer_key":" k ","consumer_secret":"s"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(
            (keys.consumer_key.as_str(), keys.consumer_secret.as_str()),
            ("k", "s")
        );
        assert!(merchant(r#"{"consumer_key":"k","consumer_secret":""}"#).is_err());
        assert!(merchant("not json").is_err());
    }
}
