//! Lambda, as the stack's functions meet it: the real function binaries (`bootstrap`, built by
//! `cargo lambda build`) run with the environment `template.yaml` gives them and nothing else
//! from this machine, under `cargo lambda watch --only-lambda-apis`, which serves the Lambda
//! runtime API and the Invoke API.
//!
//! What this module adds around it, as Lambda does:
//! - sandboxes: a function gets another process (a cold start) when all of its processes are
//!   busy, up to its reserved concurrency; beyond that an invocation is throttled;
//! - the function's timeout: an invocation that outlives it fails, and the function's
//!   processes are replaced (Lambda throws the sandbox away);
//! - the 6 MB limits of synchronous payloads, both ways (6,291,456 bytes in, 6,291,556 out);
//! - the init time of each cold start (process start to its first `…/invocation/next`, seen by
//!   a pass-through shim between the function and the emulator), the duration of each
//!   invocation, and the bytes each function logs (its CloudWatch Logs ingestion, with the
//!   START/END/REPORT lines Lambda adds unless `LoggingConfig.SystemLogLevel` is WARN or above).

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    process::Stdio,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    extract::{Path as UrlPath, Request, State},
    response::Response,
};
use serde_norway::Value;
use tokio::{io::AsyncReadExt, process::Child};

use super::template::{Template, TemplateError, scalar};

/// Lambda's synchronous payload limits.
pub const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024 + 100;
/// What Lambda logs per invocation when system logs are on (START, END, REPORT lines).
const PLATFORM_LOG_BYTES: u64 = 260;

/// A function as the template defines it.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub logical_id: String,
    pub name: String,
    pub binary: String,
    pub timeout: Duration,
    pub memory_mb: u64,
    pub architecture: String,
    pub environment: BTreeMap<String, String>,
    pub reserved_concurrency: Option<usize>,
    /// `LoggingConfig.SystemLogLevel` is WARN or ERROR: no START/END/REPORT lines.
    pub quiet_platform_logs: bool,
    /// The resolved properties (events, URL config, …).
    pub properties: Value,
}

impl FunctionSpec {
    pub fn from_template(template: &Template, logical_id: &str) -> Result<Self, TemplateError> {
        let properties = template.resolve(&template.function_properties(logical_id)?)?;
        let function = super::http_api::functions(template)?
            .into_iter()
            .find(|f| f.logical_id == logical_id)
            .ok_or_else(|| TemplateError::Invalid(format!("no function {logical_id}")))?;
        let number = |key: &str, default: u64| {
            properties
                .get(key)
                .and_then(|v| scalar(v).ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        let environment = properties
            .get("Environment")
            .and_then(|e| e.get("Variables"))
            .and_then(Value::as_mapping)
            .map(|vars| {
                vars.iter()
                    .filter_map(|(k, v)| Some((scalar(k).ok()?, scalar(v).ok()?)))
                    .collect()
            })
            .unwrap_or_default();
        let system_level = properties
            .get("LoggingConfig")
            .and_then(|l| l.get("SystemLogLevel"))
            .and_then(|v| scalar(v).ok())
            .unwrap_or_default();
        Ok(Self {
            logical_id: logical_id.to_owned(),
            name: function.name,
            binary: function.binary,
            timeout: Duration::from_secs(number("Timeout", 3)),
            memory_mb: number("MemorySize", 128),
            architecture: properties
                .get("Architectures")
                .and_then(Value::as_sequence)
                .and_then(|a| a.first())
                .and_then(|a| scalar(a).ok())
                .unwrap_or_else(|| "x86_64".into()),
            environment,
            reserved_concurrency: properties
                .get("ReservedConcurrentExecutions")
                .and_then(|v| scalar(v).ok())
                .and_then(|v| v.parse().ok()),
            quiet_platform_logs: matches!(system_level.as_str(), "WARN" | "ERROR"),
            properties,
        })
    }

    /// The access key id this function's role signs with (the gate knows it by this).
    pub fn access_key(&self) -> String {
        format!("ROLE{}", self.logical_id.to_uppercase())
    }

    /// The same role, as Lambda's SQS poller uses it.
    pub fn poller_key(&self) -> String {
        format!("{}POLLER", self.access_key())
    }
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(Vec<u8>),
    /// The handler returned an error (or panicked, or the process died).
    FunctionError(Vec<u8>),
    Timeout,
    Throttled,
    RequestTooLarge,
    ResponseTooLarge,
}

/// Figures of one function.
#[derive(Debug, Clone, Default)]
pub struct FunctionStats {
    pub invocations: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub throttles: u64,
    pub durations: Vec<Duration>,
    pub cold_starts: Vec<Duration>,
    pub log_bytes: u64,
}

struct Sandbox {
    child: Child,
}

struct FunctionRuntime {
    spec: FunctionSpec,
    executable: PathBuf,
    sandboxes: tokio::sync::Mutex<Vec<Sandbox>>,
    in_flight: AtomicUsize,
    stats: Arc<Mutex<FunctionStats>>,
}

struct Shared {
    watch_url: String,
    /// Instance → when its process started; its first `next` marks the end of its init.
    starting: Mutex<HashMap<String, (Instant, String)>>,
    stats: HashMap<String, Arc<Mutex<FunctionStats>>>,
    http: reqwest::Client,
}

/// Everything Lambda runs for the stack.
pub struct LambdaService {
    watch: Child,
    shim_url: String,
    shim_task: tokio::task::JoinHandle<()>,
    functions: HashMap<String, FunctionRuntime>,
    shared: Arc<Shared>,
    /// Extra environment every function gets (the AWS endpoint of the emulator).
    base_environment: BTreeMap<String, String>,
    logs: PathBuf,
    next_instance: AtomicUsize,
}

impl Drop for LambdaService {
    fn drop(&mut self) {
        let _ = self.watch.start_kill();
        self.shim_task.abort();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl LambdaService {
    /// Starts the emulator; functions start on their first invocation.
    /// `lambda_dir`: where `cargo lambda build` put `<binary>/bootstrap`.
    pub async fn start(
        manifest: &Path,
        lambda_dir: &Path,
        specs: Vec<FunctionSpec>,
        base_environment: BTreeMap<String, String>,
        logs: &Path,
    ) -> std::io::Result<Self> {
        std::fs::create_dir_all(logs)?;
        let port = free_port();
        let watch = tokio::process::Command::new("cargo")
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "-A",
                "127.0.0.1",
                "-P",
            ])
            .arg(port.to_string())
            .arg("--manifest-path")
            .arg(manifest)
            .env("AWS_REGION", "us-east-1")
            .stdout(std::fs::File::create(logs.join("cargo-lambda-watch.log"))?)
            .stderr(std::fs::File::create(
                logs.join("cargo-lambda-watch.err.log"),
            )?)
            .kill_on_drop(true)
            .spawn()?;
        let watch_url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .expect("an HTTP client");
        // Any HTTP request would be an invocation of its default function: wait for the port.
        let ready = async {
            loop {
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(60), ready)
            .await
            .map_err(|_| std::io::Error::other("cargo lambda watch did not start"))?;

        let mut functions = HashMap::new();
        let mut stats = HashMap::new();
        for spec in specs {
            let executable = lambda_dir.join(&spec.binary).join("bootstrap");
            if !executable.exists() {
                return Err(std::io::Error::other(format!(
                    "{} is missing: run `cargo lambda build --release` first",
                    executable.display()
                )));
            }
            let function_stats = Arc::new(Mutex::new(FunctionStats::default()));
            stats.insert(spec.binary.clone(), Arc::clone(&function_stats));
            functions.insert(
                spec.binary.clone(),
                FunctionRuntime {
                    spec,
                    executable,
                    sandboxes: tokio::sync::Mutex::new(Vec::new()),
                    in_flight: AtomicUsize::new(0),
                    stats: function_stats,
                },
            );
        }
        let shared = Arc::new(Shared {
            watch_url,
            starting: Mutex::new(HashMap::new()),
            stats,
            http,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let shim_url = format!("http://{}", listener.local_addr()?);
        let app = axum::Router::new()
            .route("/.rt/{binary}/{instance}/{*rest}", axum::routing::any(shim))
            .with_state(Arc::clone(&shared))
            .layer(axum::extract::DefaultBodyLimit::disable());
        let shim_task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            watch,
            shim_url,
            shim_task,
            functions,
            shared,
            base_environment,
            logs: logs.to_path_buf(),
            next_instance: AtomicUsize::new(1),
        })
    }

    pub fn spec(&self, binary: &str) -> Option<&FunctionSpec> {
        self.functions.get(binary).map(|f| &f.spec)
    }

    pub fn specs(&self) -> Vec<&FunctionSpec> {
        self.functions.values().map(|f| &f.spec).collect()
    }

    pub fn stats(&self) -> BTreeMap<String, FunctionStats> {
        self.shared
            .stats
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.lock().unwrap_or_else(PoisonError::into_inner).clone(),
                )
            })
            .collect()
    }

    /// Starts one more process of a function (a cold start).
    async fn start_sandbox(&self, function: &FunctionRuntime) -> std::io::Result<Sandbox> {
        let instance = format!("i{}", self.next_instance.fetch_add(1, Ordering::Relaxed));
        let spec = &function.spec;
        let mut command = tokio::process::Command::new(&function.executable);
        command.env_clear();
        for (k, v) in &spec.environment {
            command.env(k, v);
        }
        for (k, v) in &self.base_environment {
            command.env(k, v);
        }
        command
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("{}/.rt/{}/{instance}", self.shim_url, spec.binary),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                spec.memory_mb.to_string(),
            )
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", spec.name),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", &instance)
            .env("AWS_ACCESS_KEY_ID", spec.access_key())
            .env("AWS_SECRET_ACCESS_KEY", "rehearsal")
            .env("_HANDLER", "bootstrap")
            .env("TZ", ":UTC")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        self.shared
            .starting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(instance.clone(), (Instant::now(), spec.binary.clone()));
        let mut child = command.spawn()?;
        let log_path = self.logs.join(format!("{}.log", spec.binary));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
        ]
        .into_iter()
        .flatten()
        {
            let stats = Arc::clone(&function.stats);
            let log_path = log_path.clone();
            tokio::spawn(copy_log(stream, log_path, stats));
        }
        Ok(Sandbox { child })
    }

    /// Starts one more process of a function and waits for it to be ready for its first event
    /// (its first `invocation/next`): its init time, measured alone. The process then serves
    /// invocations like the others.
    pub async fn measure_cold_start(&self, binary: &str) -> Option<Duration> {
        let function = self.functions.get(binary)?;
        let before = function
            .stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cold_starts
            .len();
        let sandbox = self.start_sandbox(function).await.ok()?;
        function.sandboxes.lock().await.push(sandbox);
        for _ in 0..200 {
            let latest = {
                let stats = function
                    .stats
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                (stats.cold_starts.len() > before).then(|| stats.cold_starts.last().copied())
            };
            if let Some(init) = latest {
                return init;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// A synchronous invocation (`RequestResponse`), as API Gateway, function URLs and the SQS
    /// poller make them.
    pub async fn invoke(&self, binary: &str, payload: Vec<u8>) -> Outcome {
        let Some(function) = self.functions.get(binary) else {
            return Outcome::FunctionError(format!("no function {binary}").into_bytes());
        };
        let record = |f: &dyn Fn(&mut FunctionStats)| {
            f(&mut function
                .stats
                .lock()
                .unwrap_or_else(PoisonError::into_inner));
        };
        if payload.len() > MAX_REQUEST_BYTES {
            return Outcome::RequestTooLarge;
        }
        let busy = function.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let _release = Release(&function.in_flight);
        if function
            .spec
            .reserved_concurrency
            .is_some_and(|limit| busy > limit)
        {
            record(&|s| s.throttles += 1);
            return Outcome::Throttled;
        }
        {
            let mut sandboxes = function.sandboxes.lock().await;
            if sandboxes.len() < busy {
                match self.start_sandbox(function).await {
                    Ok(sandbox) => sandboxes.push(sandbox),
                    Err(error) => {
                        return Outcome::FunctionError(
                            format!("cannot start: {error}").into_bytes(),
                        );
                    }
                }
            }
        }
        let started = Instant::now();
        let url = format!(
            "{}/2015-03-31/functions/{binary}/invocations",
            self.shared.watch_url
        );
        let call = self.shared.http.post(url).body(payload).send();
        let outcome = match tokio::time::timeout(function.spec.timeout, call).await {
            Err(_) => {
                // Lambda discards a sandbox whose invocation timed out.
                let mut sandboxes = function.sandboxes.lock().await;
                for mut sandbox in sandboxes.drain(..) {
                    let _ = sandbox.child.start_kill();
                }
                record(&|s| s.timeouts += 1);
                Outcome::Timeout
            }
            Ok(Err(error)) => Outcome::FunctionError(error.to_string().into_bytes()),
            Ok(Ok(answer)) => {
                let ok = answer.status().is_success();
                let body = answer.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                if body.len() > MAX_RESPONSE_BYTES {
                    Outcome::ResponseTooLarge
                } else if ok {
                    Outcome::Ok(body)
                } else {
                    Outcome::FunctionError(body)
                }
            }
        };
        let elapsed = started.elapsed();
        let quiet = function.spec.quiet_platform_logs;
        record(&|s| {
            s.invocations += 1;
            s.durations.push(elapsed);
            if !quiet {
                s.log_bytes += PLATFORM_LOG_BYTES;
            }
            if !matches!(outcome, Outcome::Ok(_)) {
                s.errors += 1;
            }
        });
        outcome
    }
}

struct Release<'a>(&'a AtomicUsize);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn copy_log(
    mut stream: Box<dyn tokio::io::AsyncRead + Send + Unpin>,
    path: PathBuf,
    stats: Arc<Mutex<FunctionStats>>,
) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok();
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                stats
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .log_bytes += n as u64;
                if let Some(file) = file.as_mut() {
                    let _ = file.write_all(&buffer[..n]);
                }
            }
        }
    }
}

/// The pass-through between a function process and the emulator: `/.rt/<binary>/<instance>/…`
/// goes to `/.rt/<binary>/…`; the instance's first `invocation/next` ends its init.
async fn shim(
    State(shared): State<Arc<Shared>>,
    UrlPath((binary, instance, rest)): UrlPath<(String, String, String)>,
    request: Request,
) -> Response {
    if rest.ends_with("runtime/invocation/next") {
        let started = shared
            .starting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&instance);
        if let Some((at, binary)) = started
            && let Some(stats) = shared.stats.get(&binary)
        {
            stats
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .cold_starts
                .push(at.elapsed());
        }
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let url = format!("{}/.rt/{binary}/{rest}{query}", shared.watch_url);
    let mut outgoing = shared.http.request(parts.method, url);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            outgoing = outgoing.header(name, value);
        }
    }
    match outgoing.body(body).send().await {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                if name != "transfer-encoding" && name != "content-length" {
                    response = response.header(name, value);
                }
            }
            let bytes = answer.bytes().await.unwrap_or_default();
            response.body(Body::from(bytes)).unwrap_or_default()
        }
        Err(error) => Response::builder()
            .status(502)
            .body(Body::from(error.to_string()))
            .unwrap_or_default(),
    }
}
