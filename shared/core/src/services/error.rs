//! The one error type of the use cases; `tiketi-app` maps it to HTTP answers in one place.

use crate::{
    domain::sealed::SealError,
    ports::{documents::DocumentError, gateway::GatewayError, queue::QueueError},
    store::StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(String),
    /// A caller's credentials (e.g. a router's secret) do not match.
    #[error("not authorized")]
    Unauthorized,
    /// The caller is known but may not do this (an agent on an owner's page).
    #[error("not allowed")]
    Forbidden,
    /// The change clashes with what exists (e.g. an e-mail address already registered).
    #[error("{0}")]
    Conflict(String),
    /// Too many failed logins: try again later.
    #[error("too many attempts: try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// The plan does not allow this creation (`domain::plan`).
    #[error(transparent)]
    PlanLimit(#[from] crate::domain::plan::LimitReached),
    /// The plan does not include this feature.
    #[error("{0}")]
    NotInPlan(String),
    /// The subscription is unpaid past its grace period, or suspended: nothing new.
    #[error("{0}")]
    Restricted(String),
    #[error("the operator has no payment account configured")]
    NoMerchantAccount,
    /// A secret at rest cannot be sealed or opened (no `DATA_KEY`, or the wrong one).
    #[error(transparent)]
    Sealed(#[from] SealError),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Documents(#[from] DocumentError),
}
