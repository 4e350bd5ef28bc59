//! Wiring of the AWS deployment: DynamoDB, SQS, Pesapal, the system clock, all from the
//! environment that `template.yaml` sets.

use std::time::Duration;

use tiketi_adapters::{
    clock::SystemClock, dynamodb::DynamoTable, pesapal::PesapalClient, sqs::SqsQueue,
};
use tiketi_core::services::{Platform, Tiketi};

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
}

/// Builds Tiketi's use cases for a Lambda function from its environment.
pub async fn from_env() -> Result<Tiketi<AwsPlatform>, ConfigError> {
    let config = Config::from_env()?;
    let table_name = config.require("TABLE_NAME")?;
    let queue_url = config.require("QUEUE_URL")?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), table_name);
    let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), queue_url);
    let gateway = PesapalClient::new(&config.pesapal_base_url, PESAPAL_TIMEOUT);
    Ok(Tiketi::new(
        table,
        queue,
        gateway,
        SystemClock,
        config.settings(),
    ))
}
