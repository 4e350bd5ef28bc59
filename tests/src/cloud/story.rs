//! The whole product, over HTTP, against the emulated stack: what an operator, a router, a
//! customer and Pesapal do, each step a check.

use std::{sync::Arc, time::Duration};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{
    checks::{Checks, ensure},
    stack::CloudStack,
};
use crate::{
    api::ApiClient as Api,
    portal::{PortalUser, location},
    router_model::RouterModel,
};

/// A router as its `tiketi-sync` script talks to Tiketi: the URLs and secret of its setup
/// script, and a model of its hotspot user table.
pub struct SimulatedRouter {
    pub id: String,
    pub report_url: String,
    pub sync_url: String,
    pub login_url: String,
    pub secret: String,
    pub model: RouterModel,
    /// Its RouterOS version, as its reports say.
    pub version: String,
    runs: u32,
    http: reqwest::Client,
}

/// The first `http(s)://…` URL in `script` ending with `suffix`.
fn url_in(script: &str, suffix: &str) -> Option<String> {
    let mut rest = script;
    while let Some(at) = rest.find("http") {
        let candidate: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || ":/._-".contains(*c))
            .collect();
        if candidate.ends_with(suffix) && candidate.contains("://") {
            return Some(candidate);
        }
        rest = &rest[at + 4..];
    }
    None
}

impl SimulatedRouter {
    /// Reads what the router needs from its setup script, as importing it would set up.
    pub fn from_setup_script(id: &str, script: &str) -> Result<Self, String> {
        let marker = "X-Tiketi-Router-Secret: ";
        let at = script
            .find(marker)
            .ok_or("the setup script carries no router secret")?
            + marker.len();
        let secret: String = script[at..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let report_url = url_in(script, "/report").ok_or("no report URL in the setup script")?;
        let sync_url = url_in(script, "/sync").ok_or("no sync URL in the setup script")?;
        let login_url = format!("{}/login.html", sync_url.trim_end_matches("/sync"));
        Ok(Self {
            id: id.to_owned(),
            report_url,
            sync_url,
            login_url,
            secret,
            model: RouterModel::default(),
            version: "7.16.2 (stable)".into(),
            runs: 0,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .map_err(|e| e.to_string())?,
        })
    }

    /// The login page its setup downloads.
    pub async fn login_page(&self) -> Result<String, String> {
        let answer = self
            .http
            .get(&self.login_url)
            .header("X-Tiketi-Router-Secret", &self.secret)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = answer.status();
        let text = answer.text().await.map_err(|e| e.to_string())?;
        ensure(status == StatusCode::OK, || {
            format!("login.html: {status}: {text}")
        })?;
        Ok(text)
    }

    /// One run of `tiketi-sync`, as its script does it: the report posted to the sync URL (in
    /// one page: a simulated router holds few users), the answer imported. The router's
    /// clock, in its report, moves a minute a run.
    pub async fn run_sync(&mut self) -> Result<String, String> {
        self.runs += 1;
        let clock = jiff::civil::date(2026, 12, 6)
            .at(10, 0, 0, 0)
            .checked_add(jiff::SignedDuration::from_mins(i64::from(self.runs)))
            .map_err(|e| e.to_string())?;
        let report = format!(
            "#router,{},4,{},{}\n{}",
            self.version,
            clock.date(),
            clock.time().strftime("%H:%M:%S"),
            self.model.report()
        );
        let answer = self
            .http
            .post(format!("{}?page=1&last=1", self.sync_url))
            .header("X-Tiketi-Router-Secret", &self.secret)
            .header("Content-Type", "text/plain")
            .body(report)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = answer.status();
        let script = answer.text().await.map_err(|e| e.to_string())?;
        ensure(status == StatusCode::OK, || {
            format!("sync: {status}: {script}")
        })?;
        self.model.apply(&script);
        Ok(script)
    }
}

/// What the story's steps share.
pub struct Story {
    pub api_url: String,
    pub owner: Arc<PortalUser>,
    pub operator_id: String,
    pub api: Api,
    pub router: Mutex<SimulatedRouter>,
    pub ticket_type_id: String,
    pub http: reqwest::Client,
}

fn browser() -> reqwest::Client {
    crate::portal::browser()
}

/// A customer's purchase on the checkout, paid on the stand-in's page; the voucher code the
/// order page then shows.
pub async fn buy(story: &Story, phone: &str) -> Result<String, String> {
    let http = browser();
    let router_id = story.router.lock().await.id.clone();
    let checkout = format!(
        "{}/checkout/{}/{router_id}",
        story.api_url, story.operator_id
    );
    let page = http
        .get(format!(
            "{checkout}?mac=02:00:00:00:00:09&login_url=http://login.wifi/login"
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = page.status();
    let html = page.text().await.map_err(|e| e.to_string())?;
    ensure(
        status == StatusCode::OK && html.contains(&story.ticket_type_id),
        || format!("checkout page {status} does not offer the package: {html}"),
    )?;
    let answer = http
        .post(&checkout)
        .form(&[
            ("ticket_type_id", story.ticket_type_id.as_str()),
            ("phone", phone),
            ("email", ""),
            ("mac", "02:00:00:00:00:09"),
            ("login_url", "http://login.wifi/login"),
            ("dst", "http://example.com/"),
            ("lang", "en"),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = answer.status();
    ensure(status == StatusCode::SEE_OTHER, || {
        format!("order: {status}")
    })?;
    let pay_url = location(&answer);
    // The customer presses Pay on Pesapal's page; Pesapal sends the IPN and the browser back.
    let answer = http
        .post(&pay_url)
        .form(&[("action", "pay")])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    ensure(answer.status().is_redirection(), || {
        format!("pay page: {}", answer.status())
    })?;
    let order_page = location(&answer);
    ensure(order_page.starts_with(&story.api_url), || {
        format!("Pesapal's callback goes to {order_page}, not the stack")
    })?;
    for _ in 0..150 {
        let html = http
            .get(&order_page)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        if let Some(at) = html.find("data-voucher=\"") {
            let code: String = html[at + 14..].chars().take_while(|c| *c != '"').collect();
            return Ok(code);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("no voucher on {order_page} after 30 s"))
}

/// The status the REST API gives a voucher.
pub async fn voucher_status(story: &Story, code: &str) -> Result<String, String> {
    let answer = story.api.get(&format!("/api/v1/vouchers/{code}")).await;
    ensure(answer.status == StatusCode::OK, || {
        format!("voucher {code}: {}", answer.body)
    })?;
    Ok(answer.body["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Runs the story; the stack stays up for the cost scenarios that follow.
pub async fn run(stack: &CloudStack, checks: &mut Checks) -> Option<Arc<Story>> {
    let api_url = stack.api.base_url.clone();

    let url = api_url.clone();
    checks
        .run(
            "GET /health is answered by the checkout function",
            async move {
                let text = reqwest::get(format!("{url}/health"))
                    .await
                    .map_err(|e| e.to_string())?;
                let status = text.status();
                let body = text.text().await.map_err(|e| e.to_string())?;
                ensure(status == 200 && body == "ok", || {
                    format!("{status}: {body}")
                })
            },
        )
        .await;
    let url = api_url.clone();
    checks
        .run(
            "GET / is the home page, with the plans, from the portal function",
            async move {
                let answer = reqwest::get(format!("{url}/"))
                    .await
                    .map_err(|e| e.to_string())?;
                let status = answer.status();
                let body = answer.text().await.map_err(|e| e.to_string())?;
                ensure(
                    status == 200
                        && body.contains("href=\"/portal/signup?plan=")
                        && !body.contains("<script"),
                    || format!("{status}: {body}"),
                )
            },
        )
        .await;
    let url = api_url.clone();
    checks
        .run(
            "a path no route names gets the portal function's 404 page",
            async move {
                let answer = reqwest::get(format!("{url}/no/such/route"))
                    .await
                    .map_err(|e| e.to_string())?;
                let status = answer.status();
                let body = answer.text().await.map_err(|e| e.to_string())?;
                ensure(status == 404 && body.contains("href=\"/\""), || {
                    format!("{status} {body}")
                })
            },
        )
        .await;

    let url = api_url.clone();
    let owner = checks
        .run("an operator signs up on the portal", async move {
            Ok(PortalUser::sign_up_at(&url, "Rehearsal WiFi", "owner@rehearsal.example").await)
        })
        .await?;
    let owner = Arc::new(owner);

    let o = Arc::clone(&owner);
    checks
        .run(
            "the operator's Pesapal keys are checked with Pesapal and saved",
            async move {
                let answer = o
                    .post(
                        "/portal/settings/pesapal",
                        &[
                            ("consumer_key", "rehearsal-operator-key"),
                            ("consumer_secret", "rehearsal-operator-secret"),
                        ],
                    )
                    .await;
                let status = answer.status();
                let html = answer.text().await.map_err(|e| e.to_string())?;
                ensure(
                    status == 200 && html.contains("Pesapal accepted the keys"),
                    || format!("{status}: {html}"),
                )
            },
        )
        .await;

    let o = Arc::clone(&owner);
    let token = checks
        .run("an API token is made in the portal", async move {
            Ok(o.create_api_token("rehearsal", "read_write").await)
        })
        .await?;
    let api = Api::at(&api_url, &token);

    let o = Arc::clone(&owner);
    let router = checks
        .run(
            "the operator adds a router and downloads its setup script",
            async move {
                let id = o.add_router("Rehearsal Router").await;
                let answer = o
                    .post(&format!("/portal/routers/{id}/setup.rsc"), &[])
                    .await;
                let status = answer.status();
                let script = answer.text().await.map_err(|e| e.to_string())?;
                ensure(status == 200 && script.contains("tiketi-sync"), || {
                    format!("{status}: {script}")
                })?;
                SimulatedRouter::from_setup_script(&id, &script)
            },
        )
        .await?;

    let o = Arc::clone(&owner);
    let api_for_tt = Api::at(&api_url, &token);
    let ticket_type_id = checks
        .run(
            "the operator adds a 100 MB package sold on the checkout",
            async move {
                let answer = o
                    .add_ticket_type(
                        "Rehearsal 100 MB",
                        &[
                            ("kind", "data"),
                            ("amount", "100"),
                            ("unit", "MB"),
                            ("price", "20"),
                        ],
                    )
                    .await;
                ensure(answer.status() == StatusCode::SEE_OTHER, || {
                    format!("{}", answer.status())
                })?;
                let list = api_for_tt.ok("/api/v1/ticket-types").await;
                list["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|t| t["name"] == "Rehearsal 100 MB")
                    .and_then(|t| t["id"].as_str().map(str::to_owned))
                    .ok_or_else(|| format!("the API does not list the package: {list}"))
            },
        )
        .await?;

    // The operator id is in the router's URLs.
    let operator_id = router
        .sync_url
        .split("/routers/")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let story = Arc::new(Story {
        api_url: api_url.clone(),
        owner,
        operator_id,
        api,
        router: Mutex::new(router),
        ticket_type_id,
        http: reqwest::Client::new(),
    });

    let s = Arc::clone(&story);
    checks
        .run(
            "the router fetches its login page, reports and imports its first sync",
            async move {
                let mut router = s.router.lock().await;
                let page = router.login_page().await?;
                ensure(
                    page.contains(&format!("/checkout/{}/{}", s.operator_id, router.id)),
                    || format!("the login page does not link the checkout: {page}"),
                )?;
                router.run_sync().await.map(|_| ())
            },
        )
        .await;

    let s = Arc::clone(&story);
    let code = checks
        .run(
            "a customer buys on the checkout and pays through Pesapal; the voucher is issued",
            async move { buy(&s, "0712345678").await },
        )
        .await?;

    let s = Arc::clone(&story);
    let c = code.clone();
    checks
        .run("the router's next sync carries the voucher", async move {
            let mut router = s.router.lock().await;
            router.run_sync().await?;
            ensure(router.model.users.contains_key(&c), || {
                format!(
                    "{c} is not on the router: {:?}",
                    router.model.tiketi_users()
                )
            })
        })
        .await;

    let s = Arc::clone(&story);
    let c = code.clone();
    checks
        .run(
            "the customer logs in; the next report makes the voucher active",
            async move {
                let mut router = s.router.lock().await;
                router.model.use_data(&c, 60, 10_000_000);
                router.run_sync().await?;
                let status = voucher_status(&s, &c).await?;
                ensure(status == "active", || format!("status {status}"))
            },
        )
        .await;

    let s = Arc::clone(&story);
    let c = code.clone();
    checks
        .run(
            "the data runs out: the voucher is used up and leaves the router",
            async move {
                let mut router = s.router.lock().await;
                router.model.use_data(&c, 600, 100_000_000);
                router.run_sync().await?;
                let status = voucher_status(&s, &c).await?;
                ensure(status == "used_up", || format!("status {status}"))?;
                router.run_sync().await?;
                ensure(!router.model.users.contains_key(&c), || {
                    format!("{c} is still on the router")
                })
            },
        )
        .await;

    let s = Arc::clone(&story);
    checks
        .run("the REST API answers with the token", async move {
            let list = s.api.ok("/api/v1/vouchers?limit=5").await;
            ensure(
                list["data"].as_array().is_some_and(|d| !d.is_empty()),
                || format!("{list}"),
            )
        })
        .await;

    Some(story)
}

/// The 10,000-voucher batch and its documents.
pub async fn batch(story: &Arc<Story>, checks: &mut Checks) {
    let s = Arc::clone(story);
    let batch = checks
        .run(
            "a 10,000-voucher batch is generated by the issuer through the queue",
            async move {
                let router_id = s.router.lock().await.id.clone();
                let answer = s
                    .owner
                    .post(
                        "/portal/batches/new",
                        &[
                            ("ticket_type_id", s.ticket_type_id.as_str()),
                            ("router_id", router_id.as_str()),
                            ("quantity", "10000"),
                            ("length", "8"),
                            ("prefix", ""),
                            ("note", "rehearsal"),
                        ],
                    )
                    .await;
                ensure(answer.status() == StatusCode::SEE_OTHER, || {
                    format!("{}", answer.status())
                })?;
                let path = location(&answer);
                for _ in 0..600 {
                    if s.owner.page(&path).await.contains("READY") {
                        return Ok(path);
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err("the batch was not ready after 10 minutes".into())
            },
        )
        .await;
    let Some(batch_path) = batch else { return };
    for (layout, least) in [("a4", 6_000_000), ("58mm", 12_000_000)] {
        let s = Arc::clone(story);
        let path = format!("{batch_path}/sheet.pdf?layout={layout}");
        checks
            .run(&format!("its {layout} PDF sheet downloads"), async move {
                let answer = s.owner.get(&path).await;
                let answer = if answer.status().is_redirection() {
                    let target = location(&answer);
                    reqwest::get(&target).await.map_err(|e| e.to_string())?
                } else {
                    answer
                };
                let status = answer.status();
                let bytes = answer.bytes().await.map_err(|e| e.to_string())?;
                ensure(
                    status == 200 && bytes.starts_with(b"%PDF") && bytes.len() > least,
                    || {
                        format!(
                            "{status}, {} bytes: {}",
                            bytes.len(),
                            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                        )
                    },
                )
            })
            .await;
    }
    let s = Arc::clone(story);
    let path = format!("{batch_path}/vouchers.rsc");
    checks
        .run("its voucher script downloads", async move {
            let answer = s.owner.get(&path).await;
            let answer = if answer.status().is_redirection() {
                reqwest::get(&location(&answer))
                    .await
                    .map_err(|e| e.to_string())?
            } else {
                answer
            };
            let status = answer.status();
            let text = answer.text().await.map_err(|e| e.to_string())?;
            ensure(
                status == 200 && text.matches("/ip hotspot user").count() >= 10_000,
                || format!("{status}, {} bytes", text.len()),
            )
        })
        .await;
}

/// A burst on the IPN route beyond its throttling limits (template `RouteSettings`) gets API
/// Gateway's 429s, and the rest go through.
pub async fn burst(story: &Arc<Story>, checks: &mut Checks) {
    let s = Arc::clone(story);
    checks
        .run(
            "a burst of IPNs beyond the route's limit is throttled with 429s",
            async move {
                use futures::StreamExt;
                let url = format!("{}/pesapal/ipn/{}", s.api_url, s.operator_id);
                // Eight at a time: faster than the route's 20 a second once its burst of 40 is spent.
                let answers: Vec<Result<(u16, Value), String>> = futures::stream::iter(0..120)
                    .map(|i| {
                        let (http, url) = (s.http.clone(), url.clone());
                        async move {
                            let answer = http
                                .get(&url)
                                .query(&[
                                    ("OrderTrackingId", format!("burst-{i}")),
                                    ("OrderMerchantReference", format!("TK-BURST{i}")),
                                    ("OrderNotificationType", "IPNCHANGE".into()),
                                ])
                                .send()
                                .await
                                .map_err(|e| e.to_string())?;
                            let status = answer.status().as_u16();
                            let body = answer.json().await.unwrap_or(Value::Null);
                            Ok((status, body))
                        }
                    })
                    .buffer_unordered(8)
                    .collect()
                    .await;
                let (mut throttled, mut answered) = (0, 0);
                for answer in answers {
                    match answer? {
                        (429, body) => {
                            ensure(body == json!({"message": "Too Many Requests"}), || {
                                format!("{body}")
                            })?;
                            throttled += 1;
                        }
                        (200, _) => answered += 1,
                        (other, body) => return Err(format!("IPN answered {other}: {body}")),
                    }
                }
                ensure(throttled > 0 && answered >= 40, || {
                    format!("{answered} answered, {throttled} throttled")
                })
            },
        )
        .await;
}

/// A message the issuer can never handle ends in the dead-letter queue.
pub async fn poison(stack: &CloudStack, checks: &mut Checks) {
    let sqs = aws_sdk_sqs::Client::new(&stack.admin);
    let queue = stack.queue_url("IssueQueue");
    let dead = stack.queue_url("IssueDeadLetterQueue");
    checks
        .run(
            "a poisoned queue message ends in the dead-letter queue",
            async move {
                let (queue, dead) = (
                    queue.ok_or("no IssueQueue")?,
                    dead.ok_or("no IssueDeadLetterQueue")?,
                );
                sqs.send_message()
                    .queue_url(&queue)
                    .message_body("not json")
                    .send()
                    .await
                    .map_err(|e| aws_sdk_sqs::Error::from(e).to_string())?;
                for _ in 0..120 {
                    let received = sqs
                        .receive_message()
                        .queue_url(&dead)
                        .visibility_timeout(0)
                        .send()
                        .await
                        .map_err(|e| aws_sdk_sqs::Error::from(e).to_string())?;
                    if received
                        .messages()
                        .iter()
                        .any(|m| m.body() == Some("not json"))
                    {
                        return Ok(());
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err("not in the dead-letter queue after 2 minutes".into())
            },
        )
        .await;
}
