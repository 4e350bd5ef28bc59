//! Configuration from the environment, read once at start-up. The same variable names serve
//! the Lambda functions (set by `template.yaml`, with secrets read by `aws`) and the local host
//! (flags override them).

use tiketi_core::{
    domain::sealed::{DataKey, InvalidDataKey},
    ports::gateway::MerchantAccount,
    services::Settings,
};

pub const PUBLIC_BASE_URL: &str = "PUBLIC_BASE_URL";
/// Where routers reach Tiketi, if not at `PUBLIC_BASE_URL` (on AWS: the `rsc` function's URL).
pub const ROUTER_BASE_URL: &str = "ROUTER_BASE_URL";
pub const PESAPAL_BASE_URL: &str = "PESAPAL_BASE_URL";
pub const PESAPAL_CONSUMER_KEY: &str = "PESAPAL_CONSUMER_KEY";
pub const PESAPAL_CONSUMER_SECRET: &str = "PESAPAL_CONSUMER_SECRET";
/// The portal's signing key: 64+ hex digits (`openssl rand -hex 32`).
pub const SESSION_KEY: &str = "SESSION_KEY";
/// The key that seals secrets at rest (operators' Pesapal keys, TOTP secrets): 64 hex digits.
pub const DATA_KEY: &str = "DATA_KEY";
/// Pesapal's sandbox, the default when `PESAPAL_BASE_URL` is not set.
pub const PESAPAL_SANDBOX_URL: &str = "https://cybqa.pesapal.com/pesapalv3";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} must be set")]
    Missing(&'static str),
    #[error("{0} and {1} must be set together")]
    Pair(&'static str, &'static str),
    #[error(transparent)]
    SessionKey(#[from] crate::http::portal::cookie::InvalidKey),
    #[error(transparent)]
    DataKey(#[from] InvalidDataKey),
    #[error("secret {0}: {1}")]
    Secret(&'static str, String),
    #[error("cannot prepare the store: {0}")]
    Setup(#[from] tiketi_core::services::ServiceError),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub public_base_url: String,
    /// `ROUTER_BASE_URL`, if set.
    pub router_base_url: Option<String>,
    pub pesapal_base_url: String,
    /// The demo operator's merchant account, when keys are set.
    pub merchant: Option<MerchantAccount>,
    /// `DATA_KEY`: needed by every function that reads operators' Pesapal keys or TOTP secrets.
    pub data_key: Option<DataKey>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Config {
    pub fn settings(&self) -> Settings {
        let mut settings = Settings::new(&self.public_base_url, self.merchant.clone());
        if let Some(url) = &self.router_base_url {
            settings.router_base_url = url.trim_end_matches('/').to_owned();
        }
        settings.data_key = self.data_key.clone();
        // Operators pay their subscriptions into the platform's own account.
        settings.platform_merchant = self.merchant.clone();
        settings
    }
}

/// `PESAPAL_CONSUMER_KEY` + `PESAPAL_CONSUMER_SECRET`, both or neither.
pub fn merchant_from_env() -> Result<Option<MerchantAccount>, ConfigError> {
    match (var(PESAPAL_CONSUMER_KEY), var(PESAPAL_CONSUMER_SECRET)) {
        (Some(consumer_key), Some(consumer_secret)) => Ok(Some(MerchantAccount {
            consumer_key,
            consumer_secret,
        })),
        (None, None) => Ok(None),
        _ => Err(ConfigError::Pair(
            PESAPAL_CONSUMER_KEY,
            PESAPAL_CONSUMER_SECRET,
        )),
    }
}

/// `SESSION_KEY`, if set.
pub fn session_key() -> Result<Option<crate::http::portal::cookie::CookieKey>, ConfigError> {
    var(SESSION_KEY)
        .map(|hex| crate::http::portal::cookie::CookieKey::from_hex(&hex))
        .transpose()
        .map_err(ConfigError::from)
}

/// `DATA_KEY`, if set.
pub fn data_key() -> Result<Option<DataKey>, ConfigError> {
    var(DATA_KEY)
        .map(|hex| DataKey::from_hex(&hex))
        .transpose()
        .map_err(ConfigError::from)
}
