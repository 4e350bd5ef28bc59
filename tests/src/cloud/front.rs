//! The HTTP fronts of the stack: API Gateway's HTTP API (routes from `template.yaml`) and Lambda
//! function URLs, each turning a request into a payload format 2.0 event and the function's
//! answer back into HTTP, as AWS does:
//!
//! - headers lowercased, repeated ones joined by commas, `Cookie` moved to `cookies`, query
//!   parameters joined by commas, `x-forwarded-for/-proto/-port` and a trace id added;
//! - bodies base64-encoded unless their type is text (`text/*`, JSON, XML, JavaScript);
//! - answers: `statusCode`, `headers`, `cookies` (each its own `Set-Cookie`), base64 bodies;
//!   an answer that is JSON without `statusCode` is a 200 JSON body;
//! - errors as AWS gives them: no route `404 {"message":"Not Found"}`, a body over 10 MB
//!   `413`, throttled `429 {"message":"Too Many Requests"}`, a function error, timeout or an
//!   answer over 6 MB `500 {"message":"Internal Server Error"}`, the 30 s integration timeout
//!   `503 {"message":"Service Unavailable"}` (function URLs: `502`, and their own timeout);
//! - route throttling from `DefaultRouteSettings` and `RouteSettings` (token buckets);
//! - one access log line per request when `AccessLogSettings` is set.

use std::{
    collections::{BTreeMap, HashMap},
    net::SocketAddr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use base64::Engine;
use serde_json::{Map, Value, json};

use super::{
    http_api::{self, ApiRoute},
    lambda::{LambdaService, Outcome},
};

const MAX_BODY: usize = 10 * 1024 * 1024;
const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

/// A token bucket: `rate` tokens a second, at most `burst`.
#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            tokens: burst,
            at: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Throttling of an HTTP API stage: `(rate, burst)` per route key, and the default.
#[derive(Debug, Clone, Default)]
pub struct Throttling {
    pub default: Option<(f64, f64)>,
    pub routes: HashMap<String, (f64, f64)>,
}

/// What kind of front, and so which routing and error answers.
#[derive(Debug, Clone)]
pub enum Kind {
    HttpApi {
        routes: Vec<ApiRoute>,
        throttling: Throttling,
        /// `AccessLogSettings.Format`, if access logs are on.
        access_log: Option<String>,
    },
    FunctionUrl {
        binary: String,
    },
}

/// Figures of a front.
#[derive(Debug, Clone, Default)]
pub struct FrontStats {
    pub requests: u64,
    /// By route key (HTTP API) or `$default` (function URL).
    pub by_route: BTreeMap<String, u64>,
    pub by_status: BTreeMap<u16, u64>,
    pub throttled: u64,
    pub access_log_bytes: u64,
    /// Bytes of request and response bodies (API Gateway meters requests in 512 KB steps).
    pub metered_requests: u64,
}

struct FrontState {
    kind: Kind,
    lambda: Arc<LambdaService>,
    api_id: String,
    domain: String,
    buckets: Mutex<HashMap<String, Bucket>>,
    stats: Mutex<FrontStats>,
    access_log: Mutex<Option<std::fs::File>>,
}

pub struct Front {
    pub base_url: String,
    state: Arc<FrontState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Front {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Front {
    /// Serves on `listener` (bound beforehand, so its URL can go into the functions'
    /// environment before they start).
    pub fn serve(
        listener: tokio::net::TcpListener,
        kind: Kind,
        lambda: Arc<LambdaService>,
        api_id: &str,
        access_log_path: Option<&std::path::Path>,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let state = Arc::new(FrontState {
            kind,
            lambda,
            api_id: api_id.to_owned(),
            domain: addr.to_string(),
            buckets: Mutex::new(HashMap::new()),
            stats: Mutex::new(FrontStats::default()),
            access_log: Mutex::new(access_log_path.map(std::fs::File::create).transpose()?),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state))
            .layer(axum::extract::DefaultBodyLimit::disable());
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        Ok(Self {
            base_url,
            state,
            task,
        })
    }

    pub fn stats(&self) -> FrontStats {
        self.state
            .stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn message(status: StatusCode, text: &str) -> Response {
    (
        status,
        [
            ("content-type", "application/json"),
            ("apigw-requestid", "rehearsal"),
        ],
        json!({ "message": text }).to_string(),
    )
        .into_response()
}

fn is_text(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media.starts_with("text/")
        || media == "application/json"
        || media.ends_with("+json")
        || media == "application/xml"
        || media.ends_with("+xml")
        || media == "application/javascript"
}

/// The payload format 2.0 event of a request.
#[allow(clippy::too_many_arguments)]
fn event(
    state: &FrontState,
    route: Option<(&ApiRoute, &BTreeMap<String, String>)>,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    source_ip: &str,
    request_id: &str,
) -> Value {
    let mut joined: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == "x-rehearsal-source-ip" {
            continue;
        }
        if name == "cookie" {
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            );
        } else {
            joined
                .entry(name.as_str().to_ascii_lowercase())
                .or_default()
                .push(value);
        }
    }
    let trace = format!(
        "Root=1-{:08x}-{}",
        jiff::Timestamp::now().as_second(),
        &request_id[..24.min(request_id.len())]
    );
    joined
        .entry("x-forwarded-for".into())
        .or_default()
        .push(source_ip.to_owned());
    joined.insert("x-forwarded-proto".into(), vec!["http".into()]);
    joined.insert(
        "x-forwarded-port".into(),
        vec![state.domain.rsplit(':').next().unwrap_or("80").to_owned()],
    );
    joined.insert("x-amzn-trace-id".into(), vec![trace]);
    let headers_json: Map<String, Value> = joined
        .into_iter()
        .map(|(k, v)| (k, Value::String(v.join(","))))
        .collect();
    let mut query_params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default() {
        query_params.entry(k).or_default().push(v);
    }
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    let (body_value, base64) = if body.is_empty() {
        (Value::Null, false)
    } else if is_text(content_type) && std::str::from_utf8(body).is_ok() {
        (
            Value::String(String::from_utf8_lossy(body).into_owned()),
            false,
        )
    } else {
        (
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
            true,
        )
    };
    let route_key = route.map_or_else(|| "$default".to_owned(), |(r, _)| r.route_key());
    let now = jiff::Timestamp::now();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers_json,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": state.api_id,
            "domainName": state.domain,
            "domainPrefix": state.api_id,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "timeEpoch": now.as_millisecond(),
        },
        "isBase64Encoded": base64,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query_params.is_empty() {
        event["queryStringParameters"] = query_params
            .into_iter()
            .map(|(k, v)| (k, Value::String(v.join(","))))
            .collect::<Map<_, _>>()
            .into();
    }
    if let Some((_, params)) = route
        && !params.is_empty()
    {
        event["pathParameters"] = json!(params);
    }
    if !body_value.is_null() {
        event["body"] = body_value;
    }
    event
}

/// The function's answer as HTTP (payload format 2.0 rules).
fn answer(bytes: &[u8]) -> Option<Response> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let Some(status) = value.get("statusCode").and_then(Value::as_u64) else {
        return Some(
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                bytes.to_vec(),
            )
                .into_response(),
        );
    };
    let mut response = Response::builder().status(u16::try_from(status).ok()?);
    for (name, value) in value
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(value) = value.as_str() {
            response = response.header(name, value);
        }
    }
    for (name, values) in value
        .get("multiValueHeaders")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for value in values
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            response = response.header(name, value);
        }
    }
    for cookie in value
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(cookie) = cookie.as_str() {
            response = response.header("set-cookie", cookie);
        }
    }
    let body = value.get("body").and_then(Value::as_str).unwrap_or("");
    let body = if value.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?
    } else {
        body.as_bytes().to_vec()
    };
    response.body(Body::from(body)).ok()
}

async fn handle(
    State(state): State<Arc<FrontState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let request_id = ulid::Ulid::new().to_string();
    let source_ip = parts
        .headers
        .get("x-rehearsal-source-ip")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| peer.ip().to_string(), str::to_owned);
    let (response, route_key) = respond(
        &state,
        &method,
        &path,
        &query,
        parts.headers,
        body,
        &source_ip,
        &request_id,
    )
    .await;
    let status = response.status().as_u16();
    let mut stats = state.stats.lock().unwrap_or_else(PoisonError::into_inner);
    stats.requests += 1;
    stats.metered_requests += 1;
    *stats.by_route.entry(route_key.clone()).or_default() += 1;
    *stats.by_status.entry(status).or_default() += 1;
    if status == 429 {
        stats.throttled += 1;
    }
    if let Kind::HttpApi {
        access_log: Some(format),
        ..
    } = &state.kind
    {
        let line = access_line(
            format,
            &request_id,
            &source_ip,
            &method,
            &path,
            &route_key,
            status,
            started.elapsed(),
        );
        stats.access_log_bytes += line.len() as u64 + 1;
        if let Some(file) = state
            .access_log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            use std::io::Write;
            let _ = writeln!(file, "{line}");
        }
    }
    response
}

/// An access log line: the `$context.…` variables of the format, filled in.
#[allow(clippy::too_many_arguments)]
fn access_line(
    format: &str,
    request_id: &str,
    ip: &str,
    method: &str,
    path: &str,
    route_key: &str,
    status: u16,
    latency: Duration,
) -> String {
    let now = jiff::Timestamp::now();
    let values = [
        ("$context.requestId", request_id.to_owned()),
        ("$context.identity.sourceIp", ip.to_owned()),
        (
            "$context.requestTime",
            now.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        ),
        (
            "$context.requestTimeEpoch",
            now.as_millisecond().to_string(),
        ),
        ("$context.httpMethod", method.to_owned()),
        ("$context.path", path.to_owned()),
        ("$context.routeKey", route_key.to_owned()),
        ("$context.status", status.to_string()),
        ("$context.protocol", "HTTP/1.1".to_owned()),
        ("$context.responseLength", "0".to_owned()),
        ("$context.responseLatency", latency.as_millis().to_string()),
        (
            "$context.integrationLatency",
            latency.as_millis().to_string(),
        ),
        ("$context.integrationErrorMessage", "-".to_owned()),
        ("$context.error.message", "-".to_owned()),
    ];
    let mut line = format.to_owned();
    // Longest names first, so `$context.requestTimeEpoch` is not read as `$context.requestTime`.
    let mut ordered: Vec<_> = values.iter().collect();
    ordered.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    for (name, value) in ordered {
        line = line.replace(name, value);
    }
    line
}

#[allow(clippy::too_many_arguments)]
async fn respond(
    state: &FrontState,
    method: &str,
    path: &str,
    query: &str,
    headers: HeaderMap,
    body: Body,
    source_ip: &str,
    request_id: &str,
) -> (Response, String) {
    let function_url = matches!(state.kind, Kind::FunctionUrl { .. });
    let (binary, route, route_key) = match &state.kind {
        Kind::FunctionUrl { binary } => (binary.clone(), None, "$default".to_owned()),
        Kind::HttpApi {
            routes, throttling, ..
        } => {
            let Some((route, params)) = http_api::select(routes, method, path) else {
                return (message(StatusCode::NOT_FOUND, "Not Found"), "-".into());
            };
            let key = route.route_key();
            let limits = throttling.routes.get(&key).copied().or(throttling.default);
            if let Some((rate, burst)) = limits {
                let mut buckets = state.buckets.lock().unwrap_or_else(PoisonError::into_inner);
                let bucket = buckets
                    .entry(key.clone())
                    .or_insert_with(|| Bucket::new(rate, burst));
                if !bucket.take() {
                    return (
                        message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"),
                        key,
                    );
                }
            }
            (route.binary.clone(), Some((route.clone(), params)), key)
        }
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (
            message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large"),
            route_key,
        );
    };
    let event = event(
        state,
        route.as_ref().map(|(r, p)| (r, p)),
        method,
        path,
        query,
        &headers,
        &body,
        source_ip,
        request_id,
    );
    let payload = serde_json::to_vec(&event).unwrap_or_default();
    let invocation = state.lambda.invoke(&binary, payload);
    let outcome = if function_url {
        Ok(invocation.await)
    } else {
        tokio::time::timeout(INTEGRATION_TIMEOUT, invocation).await
    };
    let failed = || {
        if function_url {
            (StatusCode::BAD_GATEWAY, "Internal Server Error").into_response()
        } else {
            message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    };
    let response = match outcome {
        Err(_) => message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        Ok(Outcome::Ok(bytes)) => answer(&bytes).unwrap_or_else(failed),
        Ok(Outcome::RequestTooLarge) => {
            message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large")
        }
        Ok(Outcome::Throttled) if function_url => {
            (StatusCode::TOO_MANY_REQUESTS, "Rate Exceeded.").into_response()
        }
        Ok(_) => failed(),
    };
    (response, route_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_stay_text_and_forms_are_binary() {
        assert!(is_text(Some("text/html; charset=utf-8")));
        assert!(is_text(Some("application/json")));
        assert!(!is_text(Some("application/x-www-form-urlencoded")));
        assert!(!is_text(Some("application/pdf")));
        assert!(!is_text(None));
    }

    #[test]
    fn answers_follow_payload_format_two() {
        let response = answer(
            br#"{"statusCode":303,"headers":{"location":"/x"},"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true}"#,
        )
        .unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers().get_all("set-cookie").iter().count(), 2);
        let inferred = answer(br#"{"hello":1}"#).unwrap();
        assert_eq!(inferred.status(), 200);
        assert_eq!(inferred.headers()["content-type"], "application/json");
    }

    #[test]
    fn buckets_refuse_beyond_the_burst() {
        let mut bucket = Bucket::new(0.0001, 2.0);
        assert!(bucket.take());
        assert!(bucket.take());
        assert!(!bucket.take());
    }
}
