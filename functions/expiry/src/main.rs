//! Lambda `expiry`: the scheduled pass, every minute (EventBridge): expires vouchers whose
//! validity ended, asks Pesapal about orders left pending, and re-enqueues paid orders whose
//! voucher was not issued.
// lambda_runtime's service stack around the use-case futures is deeper than rustc's default
// layout query limit.
#![recursion_limit = "256"]

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use tiketi_app::{aws, jobs, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let tiketi = aws::from_env().await?.tiketi;
    let tiketi = &tiketi;
    lambda_runtime::run(service_fn(
        move |_: LambdaEvent<EventBridgeEvent>| async move {
            Ok::<_, Error>(jobs::handle_schedule(tiketi).await?)
        },
    ))
    .await
}
