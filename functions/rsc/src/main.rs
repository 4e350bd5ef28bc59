//! Lambda `rsc`: what MikroTik routers call (usage reports; see docs/routers.md), behind the
//! HTTP API (see template.yaml).

use std::sync::Arc;

use tiketi_app::{
    aws,
    http::{self, AppState},
    telemetry,
};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let state = AppState(Arc::new(aws::from_env().await?));
    lambda_http::run(http::routers::router(state).merge(http::health_router())).await
}
