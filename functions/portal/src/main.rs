//! Lambda `portal`: the operator portal (`/portal/...`) and the REST API (`/api/v1/...`),
//! behind the HTTP API (see template.yaml). Sessions are signed with `SESSION_KEY`; secrets at
//! rest are sealed with `DATA_KEY`.

use std::sync::Arc;

use tiketi_app::{
    aws,
    config::{self, ConfigError},
    http::functions,
    telemetry,
};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let key = config::session_key()?.ok_or(ConfigError::Missing(config::SESSION_KEY))?;
    config::data_key()?.ok_or(ConfigError::Missing(config::DATA_KEY))?;
    let tiketi = Arc::new(aws::from_env().await?);
    lambda_http::run(functions::portal(tiketi, key)).await
}
