//! The platform's side on the emulated stack: an operator on Basic meets its limit and pays
//! its first invoice into the platform's Pesapal account (the IPN reaches the `pesapal-ipn`
//! function at `/pesapal/ipn/platform`), and an administrator added to the DynamoDB table as
//! `tiketi admin add --table` does it logs in at `/admin` (the `portal` function) with two
//! steps and finds the operator and the payment.

use std::{sync::Arc, time::Duration};

use reqwest::StatusCode;
use tiketi_adapters::dynamodb::DynamoTable;
use tiketi_core::{
    services::admins::{AdminAdded, add_administrator},
    store::Repository,
};
use tokio::sync::Mutex;

use super::{
    checks::{Checks, ensure},
    stack::CloudStack,
};
use crate::{
    admin::AdminUser,
    portal::{PortalUser, location},
};

const OWNER: &str = "basic@rehearsal.example";
const ADMIN_EMAIL: &str = "ops@rehearsal.example";
const ADMIN_PASSWORD: &str = "rehearsal admin secret";

/// The first number of `/portal/plan/invoices/<n>` in `html`.
fn invoice_number(html: &str) -> Option<String> {
    let at = html.find("/portal/plan/invoices/")? + "/portal/plan/invoices/".len();
    let number: String = html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!number.is_empty()).then_some(number)
}

pub async fn run(stack: &CloudStack, checks: &mut Checks) {
    let url = stack.api.base_url.clone();
    let Some(owner) = checks
        .run("an operator signs up on the Basic plan", async move {
            Ok(PortalUser::sign_up_on(&url, "Basic Rehearsal", OWNER, "basic").await)
        })
        .await
    else {
        return;
    };
    let owner = Arc::new(owner);

    let o = Arc::clone(&owner);
    checks
        .run(
            "Basic refuses a second router, naming the limit",
            async move {
                o.add_router("First").await;
                let answer = o.submit_router("Second").await;
                let status = answer.status();
                let html = answer.text().await.map_err(|e| e.to_string())?;
                ensure(
                    status == StatusCode::FORBIDDEN && html.contains("Basic plan allows 1 router."),
                    || format!("{status}: {html}"),
                )
            },
        )
        .await;

    let o = Arc::clone(&owner);
    let paid = checks
        .run(
            "the first invoice is paid through Pesapal into the platform's account; its IPN settles it",
            async move {
                let plan = o.page("/portal/plan").await;
                let number = invoice_number(&plan).ok_or("no invoice on Settings → Plan")?;
                let answer = o
                    .post(&format!("/portal/plan/invoices/{number}/pay"), &[])
                    .await;
                ensure(answer.status() == StatusCode::SEE_OTHER, || {
                    format!("pay: {}", answer.status())
                })?;
                let pay_url = location(&answer);
                let pesapal = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| e.to_string())?;
                let answer = pesapal
                    .post(&pay_url)
                    .form(&[("action", "pay")])
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                ensure(answer.status().is_redirection(), || {
                    format!("pay page: {}", answer.status())
                })?;
                // The IPN alone settles it (the owner's browser has not come back yet).
                for _ in 0..150 {
                    let plan = o.page("/portal/plan").await;
                    if plan.contains("data-status=\"active\"") {
                        return Ok(number);
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err("the subscription is not active 30 s after paying".into())
            },
        )
        .await;

    let table = stack
        .template
        .physical
        .get("Table")
        .map(|p| p.reference.clone())
        .unwrap_or_default();
    let client = aws_sdk_dynamodb::Client::new(&stack.admin);
    checks
        .run(
            "an administrator is added to the DynamoDB table (tiketi admin add --table)",
            async move {
                let store = Repository::new(DynamoTable::new(client, table));
                let added = add_administrator(
                    &store,
                    jiff::Timestamp::now(),
                    ADMIN_EMAIL,
                    "Rehearsal admin",
                    ADMIN_PASSWORD,
                )
                .await
                .map_err(|e| e.to_string())?;
                ensure(added == AdminAdded::Created, || format!("{added:?}"))
            },
        )
        .await;

    let admin = Arc::new(Mutex::new(AdminUser::at(&stack.api.base_url)));
    let a = Arc::clone(&admin);
    checks
        .run(
            "the administrator logs in at /admin, setting up two-step login",
            async move { a.lock().await.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await },
        )
        .await;

    let a = Arc::clone(&admin);
    checks
        .run(
            "the administrator finds the operator, its plan and its Pesapal payment",
            async move {
                let admin = a.lock().await;
                let list = admin.page("/admin/operators?q=Basic%20Rehearsal").await?;
                let at = list
                    .find("/admin/operators/")
                    .ok_or_else(|| format!("the search finds nobody: {list}"))?;
                let id: String = list[at + "/admin/operators/".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                let page = admin.page(&format!("/admin/operators/{id}")).await?;
                let number = paid.unwrap_or_default();
                ensure(
                    page.contains("data-status=\"active\"")
                        && page.contains(&format!("INV-{:0>6}", number))
                        && page.contains("Paid</span> · Pesapal"),
                    || page.clone(),
                )?;
                let stats = admin.page("/admin").await?;
                ensure(stats.contains("id=\"revenue-month\">KES 500<"), || stats)
            },
        )
        .await;
}
