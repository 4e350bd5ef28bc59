//! Lambda `issuer`: turns PAID orders into vouchers, fed by the SQS issue queue, reporting
//! failed messages individually (ReportBatchItemFailures) so only those are retried.
// lambda_runtime's service stack around the use-case futures is deeper than rustc's default
// layout query limit.
#![recursion_limit = "256"]

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use tiketi_app::{aws, jobs, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let tiketi = aws::from_env().await?.tiketi;
    let tiketi = &tiketi;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(jobs::handle_sqs_event(tiketi, event.payload).await)
    }))
    .await
}
