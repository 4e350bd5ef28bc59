//! Lambda `checkout`: the captive-portal checkout, behind the HTTP API (see template.yaml).

use std::sync::Arc;

use tiketi_app::{aws, http::functions, telemetry};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let tiketi = Arc::new(aws::from_env().await?.tiketi);
    lambda_http::run(functions::checkout(tiketi)).await
}
