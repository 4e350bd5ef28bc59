//! The AWS endpoint the function processes talk to: a proxy in front of moto that plays IAM
//! and keeps the books.
//!
//! Each function process signs its calls with its own access key id (its role), so the gate
//! knows who calls. For every DynamoDB, SQS, S3, Secrets Manager and SSM call it works out the
//! IAM action and resource the call needs (a transaction needs each contained action on each
//! table; a query on an index needs `dynamodb:Query` on `table/…/index/…`), checks them against
//! that function's policy from `template.yaml`, and answers `AccessDenied` as AWS would when the
//! policy does not allow them (the call never reaches moto, and the denial is recorded, so the
//! rehearsal fails). Allowed calls go to moto and are counted per function: calls by action and
//! resource, DynamoDB request units (computed, see `capacity`), SQS requests in 64 KB chunks,
//! S3 requests and bytes.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, PoisonError},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::{
    capacity::{TableKeys, Units, item_size, read_halves, write_units},
    iam::{Call, Policy},
};

/// The access key id the rehearsal itself signs with: not a function, never checked.
pub const ADMIN_KEY: &str = "REHEARSALADMIN";

/// Who may call, by access key id.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The function's logical id in the template.
    pub name: String,
    pub policy: Policy,
}

/// What the gate needs to know about the stack to name resources.
#[derive(Debug, Clone, Default)]
pub struct Stack {
    pub region: String,
    pub account: String,
    /// Table name → its keys.
    pub tables: HashMap<String, TableKeys>,
    /// Secret name → its ARN.
    pub secrets: HashMap<String, String>,
}

/// S3 use of one principal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct S3Use {
    pub puts: u64,
    pub gets: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

/// The books, per principal (a function's logical id, or `rehearsal`).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub calls: BTreeMap<(String, Call), u64>,
    pub dynamodb: BTreeMap<String, Units>,
    pub sqs_requests: BTreeMap<String, u64>,
    pub s3: BTreeMap<String, S3Use>,
    pub secret_reads: BTreeMap<String, u64>,
    pub denied: Vec<(String, Call)>,
}

impl Ledger {
    /// Calls of one principal, by action (all resources).
    pub fn calls_by_action(&self, principal: &str) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for ((who, call), n) in &self.calls {
            if who == principal {
                *out.entry(call.action.clone()).or_default() += n;
            }
        }
        out
    }

    /// What changed since `earlier` (a snapshot of the same ledger).
    pub fn since(&self, earlier: &Self) -> Self {
        let mut delta = Self::default();
        for (key, n) in &self.calls {
            let before = earlier.calls.get(key).copied().unwrap_or(0);
            if *n > before {
                delta.calls.insert(key.clone(), n - before);
            }
        }
        for (who, units) in &self.dynamodb {
            let before = earlier.dynamodb.get(who).copied().unwrap_or_default();
            delta.dynamodb.insert(
                who.clone(),
                Units {
                    read_halves: units.read_halves - before.read_halves,
                    write: units.write - before.write,
                },
            );
        }
        for (who, n) in &self.sqs_requests {
            let before = earlier.sqs_requests.get(who).copied().unwrap_or(0);
            delta.sqs_requests.insert(who.clone(), n - before);
        }
        for (who, s3) in &self.s3 {
            let before = earlier.s3.get(who).copied().unwrap_or_default();
            delta.s3.insert(
                who.clone(),
                S3Use {
                    puts: s3.puts - before.puts,
                    gets: s3.gets - before.gets,
                    bytes_in: s3.bytes_in - before.bytes_in,
                    bytes_out: s3.bytes_out - before.bytes_out,
                },
            );
        }
        for (who, n) in &self.secret_reads {
            let before = earlier.secret_reads.get(who).copied().unwrap_or(0);
            delta.secret_reads.insert(who.clone(), n - before);
        }
        delta.denied = self.denied[earlier.denied.len().min(self.denied.len())..].to_vec();
        delta
    }
}

struct GateState {
    moto: String,
    http: reqwest::Client,
    principals: HashMap<String, Principal>,
    stack: Stack,
    ledger: Mutex<Ledger>,
    /// DynamoDB writes are measured (item before, call, item after) one at a time, so another
    /// write cannot slip in between; moto serves one request at a time anyway.
    writes: tokio::sync::Mutex<()>,
}

/// The running gate.
pub struct Gate {
    pub endpoint: String,
    state: Arc<GateState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Gate {
    pub async fn start(
        moto: &str,
        principals: HashMap<String, Principal>,
        stack: Stack,
    ) -> std::io::Result<Self> {
        let state = Arc::new(GateState {
            moto: moto.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            principals,
            stack,
            ledger: Mutex::new(Ledger::default()),
            writes: tokio::sync::Mutex::new(()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state))
            .layer(axum::extract::DefaultBodyLimit::disable());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            endpoint,
            state,
            task,
        })
    }

    pub fn ledger(&self) -> Ledger {
        self.state
            .ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `(access key id, service)` from a SigV4 `Authorization` header or a presigned URL.
fn credential(headers: &HeaderMap, uri: &Uri) -> Option<(String, String)> {
    let scope = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| {
            let at = auth.find("Credential=")? + "Credential=".len();
            Some(auth[at..].split([',', ' ']).next()?.to_owned())
        })
        .or_else(|| {
            let query = uri.query()?;
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
            pairs
                .into_iter()
                .find(|(k, _)| k == "X-Amz-Credential")
                .map(|(_, v)| v)
        })?;
    let parts: Vec<&str> = scope.split('/').collect();
    Some(((*parts.first()?).to_owned(), (*parts.get(3)?).to_owned()))
}

fn target(headers: &HeaderMap) -> Option<String> {
    let target = headers.get("x-amz-target")?.to_str().ok()?;
    Some(target.rsplit('.').next()?.to_owned())
}

impl GateState {
    fn table_arn(&self, table: &str) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}:table/{table}",
            self.stack.region, self.stack.account
        )
    }

    fn queue_arn(&self, queue_url: &str) -> String {
        let name = queue_url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        format!(
            "arn:aws:sqs:{}:{}:{name}",
            self.stack.region, self.stack.account
        )
    }

    /// The IAM calls a request needs.
    fn calls(
        &self,
        service: &str,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Vec<Call> {
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let call = |action: String, resource: String| Call { action, resource };
        let op = target(headers).unwrap_or_default();
        match service {
            "dynamodb" => {
                let table = json["TableName"].as_str().unwrap_or_default();
                match op.as_str() {
                    "TransactWriteItems" => json["TransactItems"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|item| item.as_object()?.iter().next())
                        .map(|(kind, spec)| {
                            let action = match kind.as_str() {
                                "Put" => "PutItem",
                                "Update" => "UpdateItem",
                                "Delete" => "DeleteItem",
                                _ => "ConditionCheckItem",
                            };
                            call(
                                format!("dynamodb:{action}"),
                                self.table_arn(spec["TableName"].as_str().unwrap_or_default()),
                            )
                        })
                        .collect(),
                    "TransactGetItems" => json["TransactItems"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|item| {
                            call(
                                "dynamodb:GetItem".into(),
                                self.table_arn(
                                    item["Get"]["TableName"].as_str().unwrap_or_default(),
                                ),
                            )
                        })
                        .collect(),
                    "BatchGetItem" | "BatchWriteItem" => json["RequestItems"]
                        .as_object()
                        .into_iter()
                        .flat_map(|tables| tables.keys())
                        .map(|t| call(format!("dynamodb:{op}"), self.table_arn(t)))
                        .collect(),
                    "Query" | "Scan" => {
                        let mut resource = self.table_arn(table);
                        if let Some(index) = json["IndexName"].as_str() {
                            resource.push_str(&format!("/index/{index}"));
                        }
                        vec![call(format!("dynamodb:{op}"), resource)]
                    }
                    _ => vec![call(format!("dynamodb:{op}"), self.table_arn(table))],
                }
            }
            "sqs" => {
                let action = match op.as_str() {
                    "SendMessageBatch" => "SendMessage",
                    "DeleteMessageBatch" => "DeleteMessage",
                    "ChangeMessageVisibilityBatch" => "ChangeMessageVisibility",
                    other => other,
                };
                let resource = match json["QueueUrl"].as_str() {
                    Some(url) => self.queue_arn(url),
                    None => self.queue_arn(json["QueueName"].as_str().unwrap_or("*")),
                };
                vec![call(format!("sqs:{action}"), resource)]
            }
            "secretsmanager" => {
                let id = json["SecretId"].as_str().unwrap_or_default();
                let resource = if id.starts_with("arn:") {
                    id.to_owned()
                } else {
                    self.stack
                        .secrets
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| id.to_owned())
                };
                vec![call(format!("secretsmanager:{op}"), resource)]
            }
            "ssm" => {
                let names: Vec<String> = match json["Names"].as_array() {
                    Some(names) => names
                        .iter()
                        .filter_map(|n| n.as_str().map(str::to_owned))
                        .collect(),
                    None => vec![json["Name"].as_str().unwrap_or_default().to_owned()],
                };
                names
                    .iter()
                    .map(|name| {
                        let name = name.trim_start_matches('/');
                        call(
                            format!("ssm:{op}"),
                            format!(
                                "arn:aws:ssm:{}:{}:parameter/{name}",
                                self.stack.region, self.stack.account
                            ),
                        )
                    })
                    .collect()
            }
            "s3" => {
                let path = uri.path().trim_start_matches('/');
                let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
                let query = uri.query().unwrap_or("");
                let object = format!("arn:aws:s3:::{bucket}/{key}");
                let bucket_arn = format!("arn:aws:s3:::{bucket}");
                let (action, resource) = match (method.as_str(), key.is_empty()) {
                    ("GET" | "HEAD", false) => ("GetObject", object),
                    ("PUT", false) => ("PutObject", object),
                    ("DELETE", false) => ("DeleteObject", object),
                    ("POST", true) if query.contains("delete") => {
                        ("DeleteObject", format!("{bucket_arn}/*"))
                    }
                    ("GET", true) => ("ListBucket", bucket_arn),
                    ("PUT", true) => ("CreateBucket", bucket_arn),
                    (other, _) => (other, bucket_arn),
                };
                vec![call(format!("s3:{action}"), resource)]
            }
            other => vec![call(format!("{other}:{op}"), "*".into())],
        }
    }

    /// An item as it is in moto now (for the write books).
    async fn current_item(&self, table: &str, key: &Value) -> Option<Map<String, Value>> {
        let answer = self
            .http
            .post(&self.moto)
            .header("x-amz-target", "DynamoDB_20120810.GetItem")
            .header("content-type", "application/x-amz-json-1.0")
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential={ADMIN_KEY}/20260101/{}/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
                    self.stack.region
                ),
            )
            .json(&json!({"TableName": table, "Key": key, "ConsistentRead": true}))
            .send()
            .await
            .ok()?;
        let body: Value = answer.json().await.ok()?;
        body["Item"].as_object().cloned()
    }

    fn key_of(&self, table: &str, item: &Value) -> Value {
        let Some(keys) = self.stack.tables.get(table) else {
            return Value::Null;
        };
        let mut key = Map::new();
        for attr in std::iter::once(&keys.hash).chain(keys.range.as_ref()) {
            if let Some(v) = item.get(attr) {
                key.insert(attr.clone(), v.clone());
            }
        }
        Value::Object(key)
    }

    /// `(table, key, transactional, condition-check only)` of each item a write names.
    fn written_items(&self, op: &str, json: &Value) -> Vec<(String, Value, bool, bool)> {
        let table = json["TableName"].as_str().unwrap_or_default().to_owned();
        match op {
            "PutItem" => vec![(
                table.clone(),
                self.key_of(&table, &json["Item"]),
                false,
                false,
            )],
            "UpdateItem" | "DeleteItem" => vec![(table, json["Key"].clone(), false, false)],
            "TransactWriteItems" => json["TransactItems"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| item.as_object()?.iter().next())
                .map(|(kind, spec)| {
                    let table = spec["TableName"].as_str().unwrap_or_default().to_owned();
                    let key = match kind.as_str() {
                        "Put" => self.key_of(&table, &spec["Item"]),
                        _ => spec["Key"].clone(),
                    };
                    (table, key, true, kind == "ConditionCheck")
                })
                .collect(),
            "BatchWriteItem" => json["RequestItems"]
                .as_object()
                .into_iter()
                .flat_map(|tables| tables.iter())
                .flat_map(|(table, requests)| {
                    requests.as_array().into_iter().flatten().map(move |r| {
                        let key = if let Some(item) = r["PutRequest"]["Item"].as_object() {
                            self.key_of(table, &Value::Object(item.clone()))
                        } else {
                            r["DeleteRequest"]["Key"].clone()
                        };
                        (table.clone(), key, false, false)
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn record(&self, f: impl FnOnce(&mut Ledger)) {
        f(&mut self.ledger.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Read units of a read call, from its request and moto's answer.
    fn read_units(op: &str, request: &Value, answer: &Value) -> u64 {
        let consistent =
            request["ConsistentRead"].as_bool().unwrap_or(false) && request["IndexName"].is_null();
        let size = |item: &Value| item.as_object().map(item_size).unwrap_or(0);
        match op {
            "GetItem" => read_halves(size(&answer["Item"]), consistent, false),
            "Query" | "Scan" => {
                let total = answer["Items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(size)
                    .sum();
                read_halves(total, consistent, false)
            }
            "BatchGetItem" => {
                let returned: u64 = answer["Responses"]
                    .as_object()
                    .into_iter()
                    .flat_map(|t| t.values())
                    .flat_map(|items| items.as_array().into_iter().flatten())
                    .map(|item| read_halves(size(item), true, false))
                    .sum();
                let asked: usize = request["RequestItems"]
                    .as_object()
                    .into_iter()
                    .flat_map(|t| t.values())
                    .map(|spec| spec["Keys"].as_array().map_or(0, Vec::len))
                    .sum();
                let found: usize = answer["Responses"]
                    .as_object()
                    .into_iter()
                    .flat_map(|t| t.values())
                    .map(|items| items.as_array().map_or(0, Vec::len))
                    .sum();
                returned + (asked.saturating_sub(found) as u64) * 2
            }
            "TransactGetItems" => answer["Responses"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| read_halves(size(&r["Item"]), true, true))
                .sum(),
            _ => 0,
        }
    }
}

fn denied(service: &str, principal: &str, call: &Call) -> Response {
    let message = format!(
        "User: arn:aws:sts::123456789012:assumed-role/{principal}Role/{principal} is not \
         authorized to perform: {} on resource: {} because no identity-based policy allows the \
         {} action",
        call.action, call.resource, call.action
    );
    if service == "s3" {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
        );
        return (
            StatusCode::FORBIDDEN,
            [("content-type", "application/xml")],
            xml,
        )
            .into_response();
    }
    let body =
        json!({"__type": "com.amazon.coral.service#AccessDeniedException", "message": message});
    (
        StatusCode::BAD_REQUEST,
        [
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amzn-errortype", "AccessDeniedException"),
            ("x-amzn-query-error", "AccessDenied;Sender"),
        ],
        body.to_string(),
    )
        .into_response()
}

async fn handle(State(state): State<Arc<GateState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let (key_id, service) = credential(&parts.headers, &parts.uri).unwrap_or_default();
    let principal = state.principals.get(&key_id);
    let who = principal.map_or_else(|| "rehearsal".to_owned(), |p| p.name.clone());
    let calls = if parts.uri.path().starts_with("/moto-api") {
        Vec::new()
    } else {
        state.calls(&service, &parts.method, &parts.uri, &parts.headers, &body)
    };
    if key_id != ADMIN_KEY && !parts.uri.path().starts_with("/moto-api") {
        let policy = principal.map(|p| &p.policy);
        if let Some(call) = calls.iter().find(|c| !policy.is_some_and(|p| p.allows(c))) {
            tracing::error!(principal = %who, action = %call.action, resource = %call.resource, "AccessDenied");
            state.record(|l| l.denied.push((who.clone(), call.clone())));
            return denied(&service, &who, call);
        }
    }
    state.record(|l| {
        for call in &calls {
            *l.calls.entry((who.clone(), call.clone())).or_default() += 1;
        }
    });

    let op = target(&parts.headers).unwrap_or_default();
    tracing::debug!(principal = %who, %service, %op, path = %parts.uri.path(), "call");
    let request_json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let writes = if service == "dynamodb" {
        state.written_items(&op, &request_json)
    } else {
        Vec::new()
    };
    let _write_turn = if writes.is_empty() {
        None
    } else {
        Some(state.writes.lock().await)
    };
    let mut before = Vec::with_capacity(writes.len());
    for (table, key, _, _) in &writes {
        before.push(state.current_item(table, key).await);
    }

    let (status, headers, answer) = match forward(
        &state,
        &parts.method,
        &parts.uri,
        &parts.headers,
        body.clone(),
    )
    .await
    {
        Ok(answer) => answer,
        Err(error) => {
            return (StatusCode::BAD_GATEWAY, format!("moto: {error}")).into_response();
        }
    };

    match service.as_str() {
        "dynamodb" => {
            let answer_json: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
            let mut units = Units {
                read_halves: GateState::read_units(&op, &request_json, &answer_json),
                write: 0,
            };
            for ((table, key, transactional, check_only), before) in writes.iter().zip(&before) {
                let keys = state.stack.tables.get(table).cloned().unwrap_or_default();
                let after = if *check_only || !status.is_success() {
                    before.clone()
                } else {
                    state.current_item(table, key).await
                };
                let write = write_units(&keys, before.as_ref(), after.as_ref(), *transactional);
                // RUST_LOG=tiketi_tests::cloud::gate=debug: where each write unit goes.
                tracing::debug!(principal = %who, %op, %key, write, "write units");
                units.write += write;
            }
            state.record(|l| *l.dynamodb.entry(who.clone()).or_default() += units);
        }
        "sqs" => {
            let chunks = (body.len().max(answer.len()) as u64)
                .div_ceil(64 * 1024)
                .max(1);
            state.record(|l| *l.sqs_requests.entry(who.clone()).or_default() += chunks);
        }
        "s3" => state.record(|l| {
            let s3 = l.s3.entry(who.clone()).or_default();
            match parts.method {
                Method::GET | Method::HEAD => {
                    s3.gets += 1;
                    s3.bytes_out += answer.len() as u64;
                }
                _ => {
                    s3.puts += 1;
                    s3.bytes_in += body.len() as u64;
                }
            }
        }),
        "secretsmanager" | "ssm" => {
            state.record(|l| *l.secret_reads.entry(who.clone()).or_default() += 1)
        }
        _ => {}
    }

    let mut response = Response::builder().status(status);
    for (name, value) in &headers {
        if name != "transfer-encoding" && name != "content-length" && name != "connection" {
            response = response.header(name, value);
        }
    }
    response
        .body(Body::from(answer))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

async fn forward(
    state: &GateState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, HeaderMap, Bytes), reqwest::Error> {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = state
        .http
        .request(method.clone(), format!("{}{path}", state.moto));
    for (name, value) in headers {
        if name != "host" && name != "content-length" {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = outgoing.body(body).send().await?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await?;
    Ok((status, headers, bytes))
}
