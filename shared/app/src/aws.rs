//! Wiring of the AWS deployment: DynamoDB, SQS, Pesapal, the system clock, all from the
//! environment that `template.yaml` sets.

use std::time::Duration;

use tiketi_adapters::{
    clock::SystemClock, dynamodb::DynamoTable, pesapal::PesapalClient, s3_documents::S3Documents,
    sqs::SqsQueue,
};
use tiketi_core::services::{Adapters, Platform, Tiketi};

use crate::config::{Config, ConfigError};

/// `true`: create the demo hotspot at cold start if it is missing (template parameter
/// `SeedDemoOperator`), so a fresh stack can sell the demo packages.
pub const SEED_DEMO_OPERATOR: &str = "SEED_DEMO_OPERATOR";

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

/// Everything a Lambda function reads from its environment (set by `template.yaml`).
#[derive(Debug, Clone)]
pub struct AwsConfig {
    pub config: Config,
    pub table_name: String,
    pub queue_url: String,
    /// `DOCUMENTS_BUCKET`: where large downloads go (see `ports::documents`).
    pub documents_bucket: String,
    /// Create the demo hotspot at cold start if it is missing.
    pub seed_demo: bool,
}

impl AwsConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let config = Config::from_env()?;
        Ok(Self {
            table_name: config.require("TABLE_NAME")?,
            queue_url: config.require("QUEUE_URL")?,
            documents_bucket: config.require(tiketi_adapters::s3_documents::BUCKET_VAR)?,
            seed_demo: config
                .require(SEED_DEMO_OPERATOR)
                .is_ok_and(|v| v == "true"),
            config,
        })
    }
}

/// Builds Tiketi's use cases for a Lambda function from its environment.
pub async fn from_env() -> Result<Tiketi<AwsPlatform>, ConfigError> {
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    build(&AwsConfig::from_env()?, &sdk).await
}

/// Wires DynamoDB, SQS, Pesapal and the clock, and seeds the demo if asked to.
pub async fn build(
    aws: &AwsConfig,
    sdk: &aws_config::SdkConfig,
) -> Result<Tiketi<AwsPlatform>, ConfigError> {
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(sdk), aws.table_name.clone());
    let queue = SqsQueue::new(aws_sdk_sqs::Client::new(sdk), aws.queue_url.clone());
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
