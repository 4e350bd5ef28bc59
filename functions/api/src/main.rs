//! Lambda `api`: the REST API (`/api/v1/...`) for operators' own programs, behind the HTTP API
//! (see template.yaml). Callers present API tokens; the function needs no secret of its own.

use std::sync::Arc;

use tiketi_app::{aws, http::functions, telemetry};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init();
    let tiketi = Arc::new(aws::from_env().await?.tiketi);
    lambda_http::run(functions::api(tiketi)).await
}
