//! `tiketi`: run Tiketi on one machine.
//!
//! - `tiketi serve [--host 127.0.0.1] [--port 8080] [--data-dir ./tiketi-data]`
//! - `tiketi demo --json [--port 8080] [--data-dir ./tiketi-data]`: the demo's ids and URLs
//! - `tiketi admin add EMAIL --password-stdin [--name NAME] [--data-dir ...]`: a platform
//!   administrator on the local store; with `--table NAME` (built with `--features aws`), on
//!   a deployed DynamoDB table

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use serde_json::json;
use tiketi_local::host::{Host, Options, System};

#[derive(Debug, Parser)]
#[command(
    name = "tiketi",
    version,
    about = "Tiketi WiFi vouchers, on one machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// Address to listen on.
    #[arg(long, env = "TIKETI_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "TIKETI_PORT", default_value_t = 8080)]
    port: u16,
    /// Where the embedded store lives.
    #[arg(long, env = "TIKETI_DATA_DIR", default_value = "./tiketi-data")]
    data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start every function in this process.
    Serve(Common),
    /// Print a router's RouterOS setup script, with a new router secret (the old one stops
    /// working). Import it on the router: `/import file-name=tiketi-setup.rsc`.
    RouterSetup {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value = "demo")]
        operator: String,
        #[arg(long, default_value = "demo-router")]
        router: String,
    },
    /// Manage the platform's administrators (the `/admin` console).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the demo hotspot's ids and URLs (creating the demo if the data directory is empty).
    Demo {
        #[command(flatten)]
        common: Common,
        /// Print JSON (for scripts).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Add an administrator (or replace the password of an existing one). They set up
    /// two-step login at their first login at /admin.
    Add {
        email: String,
        /// Read the password from standard input (its first line), never from the command
        /// line, where other users and the shell history would see it.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// How the console names them (default: the e-mail address).
        #[arg(long, default_value = "")]
        name: String,
        /// A deployed DynamoDB table instead of the local store (AWS credentials and region
        /// from the environment, as the AWS CLI reads them).
        #[arg(long)]
        table: Option<String>,
        #[arg(long, env = "TIKETI_DATA_DIR", default_value = "./tiketi-data")]
        data_dir: PathBuf,
    },
}

/// Adds an administrator to the store `table` names, or to the local one.
async fn add_admin(
    email: &str,
    name: &str,
    table: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use tiketi_core::{
        services::admins::{AdminAdded, add_administrator},
        store::Repository,
    };
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let now = jiff::Timestamp::now();
    let added = match table {
        #[cfg(feature = "aws")]
        Some(table) => {
            let store = Repository::new(tiketi_adapters::dynamodb::DynamoTable::named(table).await);
            add_administrator(&store, now, email, name, password).await?
        }
        #[cfg(not(feature = "aws"))]
        Some(_) => {
            return Err("--table needs the AWS build: cargo run -p tiketi-local --features aws -- admin add ...".into());
        }
        None => {
            std::fs::create_dir_all(data_dir)?;
            let table = tiketi_adapters::sqlite::SqliteTable::open(&data_dir.join("tiketi.db"))?;
            add_administrator(&Repository::new(table), now, email, name, password).await?
        }
    };
    match added {
        AdminAdded::Created => println!(
            "Administrator {email} added: log in at /admin (two-step login is set up at the first login)."
        ),
        AdminAdded::PasswordReplaced => {
            println!("Administrator {email} exists: password replaced.")
        }
    }
    Ok(())
}

fn options(common: Common) -> Result<Options, Box<dyn std::error::Error>> {
    Ok(Options::from_env(
        common.host,
        common.port,
        common.data_dir,
    )?)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tiketi_app::telemetry::init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Serve(common) => {
            let host = Host::start(options(common)?).await?;
            println!("Tiketi is running at {}", host.base_url);
            println!("  home page:      {}/", host.base_url);
            println!("  local status:   {}/local", host.base_url);
            println!("  demo checkout:  {}", host.demo_checkout_url());
            println!("  demo login:     {}/demo-router/login", host.base_url);
            println!(
                "  Pesapal IPN:    {}",
                host.tiketi.settings.ipn_url(&host.demo.operator_id)
            );
            match &host.sandbox {
                Some(_) => println!(
                    "  payments:       Pesapal sandbox stand-in at {}/pesapal-sandbox (no PESAPAL_CONSUMER_KEY set)",
                    host.base_url
                ),
                None => println!(
                    "  payments:       Pesapal at {}",
                    std::env::var("PESAPAL_BASE_URL")
                        .unwrap_or_else(|_| tiketi_app::config::PESAPAL_SANDBOX_URL.into())
                ),
            }
            tokio::select! {
                () = host.wait() => {}
                _ = tokio::signal::ctrl_c() => println!("stopping"),
            }
        }
        Command::RouterSetup {
            common,
            operator,
            router,
        } => {
            let options = options(common)?;
            let base_url = options
                .public_base_url
                .clone()
                .unwrap_or_else(|| format!("http://{}:{}", options.host, options.port));
            if !base_url.starts_with("https://") {
                eprintln!(
                    "note: {base_url} is plain http: the router secret crosses the network in clear; \
                     use it only on the hotspot's own LAN (set PUBLIC_BASE_URL to the address the router reaches)"
                );
            }
            let system = System::open(&options, &base_url).await?;
            print!(
                "{}",
                system
                    .tiketi
                    .router_setup_script(&operator, &router)
                    .await?
            );
        }
        Command::Admin {
            command:
                AdminCommand::Add {
                    email,
                    password_stdin: _,
                    name,
                    table,
                    data_dir,
                },
        } => add_admin(&email, &name, table.as_deref(), &data_dir).await?,
        Command::Demo { common, json } => {
            let options = options(common)?;
            let base_url = options
                .public_base_url
                .clone()
                .unwrap_or_else(|| format!("http://{}:{}", options.host, options.port));
            let system = System::open(&options, &base_url).await?;
            let info = json!({
                "operator_id": system.demo.operator_id,
                "router_id": system.demo.router_id,
                "ticket_type_ids": system.demo.ticket_type_ids,
                "base_url": system.base_url,
                "checkout_url": system.demo_checkout_url(),
                "login_url": format!("{}/demo-router/login", system.base_url),
                "recover_url": format!("{}/checkout/{}/recover", system.base_url, system.demo.operator_id),
                "ipn_url": system.tiketi.settings.ipn_url(&system.demo.operator_id),
                "payments": if system.sandbox.is_some() { "sandbox-stand-in" } else { "pesapal" },
            });
            if json {
                println!("{}", serde_json::to_string_pretty(&info)?);
            } else {
                println!(
                    "Demo hotspot: operator {} router {}",
                    system.demo.operator_id, system.demo.router_id
                );
                println!(
                    "Checkout: {}",
                    info["checkout_url"].as_str().unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
