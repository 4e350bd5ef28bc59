//! Lambda `portal`: the operator portal (`/portal/...`), behind the HTTP API (see
//! template.yaml). Sessions are signed with the session key, secrets
//! at rest sealed with the data key, both read from Secrets Manager at init (`tiketi_app::aws`).

use std::sync::Arc;

use tiketi_app::{aws, config::ConfigError, http::functions, telemetry};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let deployment = aws::from_env().await?;
    let key = deployment
        .session_key
        .ok_or(ConfigError::Missing(aws::SESSION_KEY_SECRET))?;
    if deployment.tiketi.settings.data_key.is_none() {
        return Err(ConfigError::Missing(aws::DATA_KEY_SECRET).into());
    }
    lambda_http::run(functions::portal(Arc::new(deployment.tiketi), key)).await
}
