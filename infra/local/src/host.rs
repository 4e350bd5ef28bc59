//! The local host: every Tiketi function in one process on one port.
//!
//! - the `checkout` and `pesapal-ipn` routers, as on AWS;
//! - the embedded SQLite single table under the data directory;
//! - the in-process issue queue and its worker (the `issuer` function);
//! - a timer running the scheduled pass: expiry sweep and payment reconciliation (the `expiry`
//!   function);
//! - the routers' endpoints (the `rsc` function);
//! - the operator portal (the `portal` function), its signing key kept in the data directory;
//! - the data key that seals secrets at rest (`DATA_KEY`, else kept in the data directory);
//! - without Pesapal keys, the Pesapal sandbox stand-in at `/pesapal-sandbox`, spoken to over
//!   real HTTP by the same Pesapal client as in production;
//! - the product's home page at `/` and the 404 page of every other path (the portal function's);
//! - a local status page (`/local`) and a simulated router login page for the demo hotspot.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use axum::Router;
use tiketi_adapters::{
    clock::SystemClock, directory_documents::DirectoryDocuments, memory_queue::InProcessQueue,
    pesapal::PesapalClient, sqlite::SqliteTable,
};
use tiketi_app::{
    config::{self, ConfigError},
    http::{functions, portal::cookie::CookieKey},
    jobs,
};
use tiketi_core::{
    domain::sealed::DataKey,
    ports::gateway::MerchantAccount,
    services::{Adapters, Platform, ServiceError, Settings, Tiketi, demo::DemoIds},
};
use tokio::{net::TcpListener, task::JoinHandle};

use crate::{demo_router, documents, pesapal_sandbox::Sandbox};

#[derive(Debug)]
pub struct LocalPlatform;

impl Platform for LocalPlatform {
    type Table = SqliteTable;
    type Queue = InProcessQueue;
    type Gateway = PesapalClient;
    type Clock = SystemClock;
    type Documents = DirectoryDocuments;
}

/// How to run the local host. `Options::from_env` reads the documented variables.
#[derive(Debug, Clone)]
pub struct Options {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    pub data_dir: PathBuf,
    /// `PUBLIC_BASE_URL`; default `http://<host>:<port>`.
    pub public_base_url: Option<String>,
    /// `PESAPAL_CONSUMER_KEY`/`SECRET`: with them, the real Pesapal at `pesapal_base_url`;
    /// without, the sandbox stand-in.
    pub merchant: Option<MerchantAccount>,
    pub pesapal_base_url: String,
    pub gateway_timeout: Duration,
    /// How often the timer runs the scheduled pass (expiry sweep and payment reconciliation),
    /// the first time at start-up. `None`: no timer; whoever embeds the host runs the passes
    /// (tests do, so a start-up pass never races what they check).
    pub reconcile_every: Option<Duration>,
    pub reconcile_after: Duration,
    pub queue_visibility: Duration,
    pub queue_max_receives: u32,
    /// `SESSION_KEY` (hex); without it the key kept in the data directory (made on first start).
    pub session_key: Option<CookieKey>,
    /// `DATA_KEY` (hex); without it the key kept in the data directory (made on first start).
    pub data_key: Option<DataKey>,
}

impl Options {
    pub fn from_env(host: String, port: u16, data_dir: PathBuf) -> Result<Self, ConfigError> {
        let var = |name| {
            std::env::var(name)
                .ok()
                .filter(|v: &String| !v.trim().is_empty())
        };
        Ok(Self {
            host,
            port,
            data_dir,
            public_base_url: var(config::PUBLIC_BASE_URL),
            merchant: config::merchant_from_env()?,
            pesapal_base_url: var(config::PESAPAL_BASE_URL)
                .unwrap_or_else(|| config::PESAPAL_SANDBOX_URL.into()),
            gateway_timeout: Duration::from_secs(20),
            reconcile_every: Some(Duration::from_secs(60)),
            reconcile_after: Duration::from_secs(180),
            queue_visibility: Duration::from_secs(30),
            queue_max_receives: 5,
            session_key: config::session_key()?,
            data_key: config::data_key()?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot use data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error("cannot listen on {0}: {1}")]
    Listen(String, std::io::Error),
    #[error("cannot open the store: {0}")]
    Store(#[from] tiketi_core::ports::table::TableError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("session key {0}: {1}")]
    SessionKey(PathBuf, String),
    #[error("data key {0}: {1}")]
    DataKey(PathBuf, String),
}

/// The portal's signing key kept in the data directory, so sessions survive restarts.
fn stored_session_key(data_dir: &std::path::Path) -> Result<CookieKey, HostError> {
    let path = data_dir.join("session.key");
    let fail = |e: String| HostError::SessionKey(path.clone(), e);
    let hex = match std::fs::read_to_string(&path) {
        Ok(hex) => hex,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let hex = CookieKey::generate_hex(&mut rand::rng());
            std::fs::write(&path, &hex).map_err(|e| fail(e.to_string()))?;
            hex
        }
        Err(e) => return Err(fail(e.to_string())),
    };
    CookieKey::from_hex(&hex).map_err(|e| fail(e.to_string()))
}

/// The data key kept in the data directory. Losing it loses the operators' stored Pesapal keys
/// and two-step login secrets (they must be entered again), so it is made only once.
fn stored_data_key(data_dir: &std::path::Path) -> Result<DataKey, HostError> {
    let path = data_dir.join("data.key");
    let fail = |e: String| HostError::DataKey(path.clone(), e);
    let hex = match std::fs::read_to_string(&path) {
        Ok(hex) => hex,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let hex = DataKey::generate_hex(&mut rand::rng());
            write_private(&path, &hex).map_err(|e| fail(e.to_string()))?;
            hex
        }
        Err(e) => return Err(fail(e.to_string())),
    };
    DataKey::from_hex(&hex).map_err(|e| fail(e.to_string()))
}

/// Creates a file only its owner can read (on Unix).
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

/// The running local system. Dropping it stops the server, worker and timer.
#[derive(Debug)]
pub struct Host {
    pub addr: SocketAddr,
    pub base_url: String,
    pub tiketi: Arc<Tiketi<LocalPlatform>>,
    /// The stand-in, when no Pesapal keys are set.
    pub sandbox: Option<Sandbox>,
    pub demo: DemoIds,
    pub queue: InProcessQueue,
    tasks: Vec<JoinHandle<()>>,
}

/// Merchant keys the host uses with its own sandbox stand-in.
pub const SANDBOX_MERCHANT_KEY: &str = "tiketi-sandbox-key";

/// The local system, opened but not yet serving: the store (with the demo seeded), the queue,
/// the use cases, and the sandbox stand-in when no Pesapal keys are set.
#[derive(Debug)]
pub struct System {
    pub base_url: String,
    pub tiketi: Arc<Tiketi<LocalPlatform>>,
    pub sandbox: Option<Sandbox>,
    pub demo: DemoIds,
    pub queue: InProcessQueue,
}

impl System {
    /// Opens the data directory and wires the adapters for `base_url`.
    pub async fn open(options: &Options, base_url: &str) -> Result<Self, HostError> {
        std::fs::create_dir_all(&options.data_dir)
            .map_err(|e| HostError::DataDir(options.data_dir.clone(), e))?;
        let base_url = base_url.trim_end_matches('/').to_owned();
        let (sandbox, merchant, pesapal_base_url) = match options.merchant.clone() {
            Some(merchant) => (None, merchant, options.pesapal_base_url.clone()),
            None => {
                let sandbox = Sandbox::new(format!("{base_url}/pesapal-sandbox"));
                let merchant = MerchantAccount {
                    consumer_key: SANDBOX_MERCHANT_KEY.into(),
                    consumer_secret: "tiketi-sandbox-secret".into(),
                };
                let api = sandbox.api_base_url();
                (Some(sandbox), merchant, api)
            }
        };
        let table = SqliteTable::open(&options.data_dir.join("tiketi.db"))?;
        let queue = InProcessQueue::new(options.queue_visibility, options.queue_max_receives);
        let gateway = PesapalClient::new(&pesapal_base_url, options.gateway_timeout);
        let mut settings = Settings::new(&base_url, Some(merchant.clone()));
        // Subscriptions are paid into the platform's account: the keys given, or the stand-in.
        settings.platform_merchant = Some(merchant.clone());
        settings.sandbox_merchant = sandbox.as_ref().map(|_| merchant);
        settings.reconcile_after = options.reconcile_after;
        settings.data_key = Some(match options.data_key.clone() {
            Some(key) => key,
            None => stored_data_key(&options.data_dir)?,
        });
        let documents = DirectoryDocuments::open(&options.data_dir.join("documents"), &base_url)
            .map_err(|e| HostError::DataDir(options.data_dir.clone(), std::io::Error::other(e)))?;
        let adapters = Adapters {
            table,
            queue: queue.clone(),
            gateway,
            clock: SystemClock,
            documents,
        };
        let tiketi = Arc::new(Tiketi::<LocalPlatform>::new(adapters, settings));
        let demo = tiketi.ensure_demo().await?;
        Ok(Self {
            base_url,
            tiketi,
            sandbox,
            demo,
            queue,
        })
    }

    /// The demo hotspot's checkout, as the router's login page links to it.
    pub fn demo_checkout_url(&self) -> String {
        demo_router::checkout_url(&self.base_url, &self.demo)
    }
}

impl Host {
    pub async fn start(options: Options) -> Result<Self, HostError> {
        let address = format!("{}:{}", options.host, options.port);
        let listener = TcpListener::bind(&address)
            .await
            .map_err(|e| HostError::Listen(address.clone(), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| HostError::Listen(address, e))?;
        let base_url = options.public_base_url.clone().unwrap_or_else(|| {
            if addr.ip().is_unspecified() {
                tracing::warn!(
                    "listening on all interfaces without PUBLIC_BASE_URL: links use 127.0.0.1; \
                     set PUBLIC_BASE_URL to the address phones and Pesapal reach"
                );
                format!("http://127.0.0.1:{}", addr.port())
            } else {
                format!("http://{addr}")
            }
        });
        let System {
            base_url,
            tiketi,
            sandbox,
            demo,
            queue,
        } = System::open(&options, &base_url).await?;

        let session_key = match options.session_key.clone() {
            Some(key) => key,
            None => stored_session_key(&options.data_dir)?,
        };
        // Every function's routes, as each Lambda function serves them.
        let mut app = Router::new()
            .merge(functions::portal(Arc::clone(&tiketi), session_key))
            .merge(functions::api(Arc::clone(&tiketi)))
            .merge(functions::checkout(Arc::clone(&tiketi)))
            .merge(functions::pesapal_ipn(Arc::clone(&tiketi)))
            .merge(functions::rsc(Arc::clone(&tiketi)))
            .merge(documents::router(Arc::clone(&tiketi)))
            .merge(demo_router::router(
                Arc::clone(&tiketi),
                base_url.clone(),
                sandbox.is_some(),
            ));
        if let Some(sandbox) = &sandbox {
            app = app.nest("/pesapal-sandbox", sandbox.router());
        }
        let server = tokio::spawn(async move {
            // The peer's address reaches the handlers (`http::ClientAddress`, rate limits).
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "server stopped");
            }
        });
        let worker = tokio::spawn(jobs::run_worker(Arc::clone(&tiketi)));
        let mut tasks = vec![server, worker];
        if let Some(every) = options.reconcile_every {
            tasks.push(tokio::spawn(jobs::run_timer(Arc::clone(&tiketi), every)));
        }
        Ok(Self {
            addr,
            base_url,
            tiketi,
            sandbox,
            demo,
            queue,
            tasks,
        })
    }

    /// The demo hotspot's checkout, as the router's login page links to it.
    pub fn demo_checkout_url(&self) -> String {
        demo_router::checkout_url(&self.base_url, &self.demo)
    }

    /// Waits until the server, worker or timer ends (they run until the process stops).
    pub async fn wait(mut self) {
        if let Some(server) = self.tasks.first_mut() {
            let _ = server.await;
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
