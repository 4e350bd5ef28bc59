//! Routers (sites), owners only:
//! - `GET       /portal/routers`                 list: last report and sync status
//! - `GET|POST  /portal/routers/new`             add one
//! - `GET|POST  /portal/routers/{id}`            see and change one
//! - `POST      /portal/routers/{id}/setup.rsc`  download its setup script (issues a new router
//!   secret: the old one stops working, so the router must import the new script)

use axum::{
    Form, Router,
    extract::{Path, State},
    http::header,
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::{
        catalog::{HotspotNetwork, Router as Site},
        usage::{ClockCheck, LicenceCeiling},
    },
    ports::Clock,
    services::{Platform, ServiceError, catalog::RouterDraft},
    store::RouterInventory,
};

use super::{
    PortalError, PortalState, auth::Owner, form_again, local_time, page, refused_on_form,
    require_id,
};

/// A router that has not reported for this long is shown as not syncing: its report time is
/// written at least every heartbeat (`domain::router_state::HEARTBEAT`, 5 minutes), so two
/// more minutes without one mean missed runs.
const SYNC_WARNING_SECONDS: i64 = tiketi_core::domain::router_state::HEARTBEAT.as_secs() + 120;

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/routers", get(list::<P>))
        .route("/portal/routers/new", get(new_page).post(create::<P>))
        .route("/portal/routers/{id}", get(show::<P>).post(update::<P>))
        .route("/portal/routers/{id}/setup.rsc", post(setup_script::<P>))
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct RouterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    hotspot_dns: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    interface: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    pool: String,
}

impl RouterForm {
    fn draft(&self) -> RouterDraft {
        RouterDraft {
            name: self.name.clone(),
            hotspot_dns: self.hotspot_dns.clone(),
            location: self.location.clone(),
            network: HotspotNetwork {
                interface: self.interface.clone(),
                address: self.address.clone(),
                pool: self.pool.clone(),
            },
        }
    }

    fn of(router: &Site) -> Self {
        Self {
            name: router.name.clone(),
            hotspot_dns: router.hotspot_dns.clone(),
            location: router.location.clone(),
            interface: router.hotspot.interface.clone(),
            address: router.hotspot.address.clone(),
            pool: router.hotspot.pool.clone(),
        }
    }
}

/// How a router is doing: when it last reported, and whether that is recent.
fn sync_status(reported_at: Option<Timestamp>, now: Timestamp, time_zone: &str) -> Value {
    match reported_at {
        None => json!({ "seen": false, "text": "never reported", "ok": false }),
        Some(at) => {
            let ago = now.duration_since(at).as_secs();
            json!({
                "seen": true, "last_seen": local_time(at, time_zone),
                "ok": ago <= SYNC_WARNING_SECONDS,
                "text": if ago <= SYNC_WARNING_SECONDS { "syncing".to_owned() } else { format!("not synced for {} min", ago / 60) },
            })
        }
    }
}

/// What the router said about itself: version, the licence's ceiling of active hotspot users,
/// and whether its clock is set (a router stuck at its boot date fails HTTPS).
fn facts(inventory: Option<&RouterInventory>, now: Timestamp) -> Value {
    let Some(facts) = inventory.and_then(|i| i.facts.as_ref()) else {
        return json!(null);
    };
    let ceiling = match facts.licence_ceiling() {
        LicenceCeiling::Users(1) => {
            "1 active user (licence level 3 or lower: too small for a hotspot)".to_owned()
        }
        LicenceCeiling::Users(n) => format!("up to {n} active users"),
        LicenceCeiling::Unlimited => "no limit on active users".to_owned(),
        LicenceCeiling::Unknown => "unknown".to_owned(),
    };
    let (clock_ok, clock) = match facts.check_clock(now) {
        ClockCheck::Plausible => (true, format!("{} {}", facts.date, facts.time)),
        ClockCheck::NotSet => (
            false,
            format!(
                "not set ({} {}): check NTP and the router's internet access",
                facts.date, facts.time
            ),
        ),
        ClockCheck::Off { hours } => (
            false,
            format!(
                "{} {}: off by about {} hours; check NTP",
                facts.date,
                facts.time,
                hours.abs()
            ),
        ),
        ClockCheck::Unreadable => (false, format!("unreadable ({} {})", facts.date, facts.time)),
    };
    json!({
        "version": facts.version, "licence": facts.licence_level, "ceiling": ceiling,
        "small_licence": facts.licence_ceiling() == LicenceCeiling::Users(1),
        "clock": clock, "clock_ok": clock_ok,
    })
}

async fn list<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Html<String>, PortalError> {
    let op = &auth.who.operator;
    let now = state.tiketi.clock.now();
    let mut rows = Vec::new();
    for router in state.tiketi.store.routers(&op.id).await? {
        let inventory = state
            .tiketi
            .store
            .router_inventory(&op.id, &router.id)
            .await?;
        rows.push(json!({
            "id": router.id, "name": router.name, "hotspot_dns": router.hotspot_dns, "location": router.location,
            "set_up": router.secret_digest.is_some(),
            "status": sync_status(inventory.as_ref().and_then(|i| i.last_report()), now, &op.time_zone),
            "facts": facts(inventory.as_ref(), now),
        }));
    }
    Ok(page(
        "portal/routers.html",
        &auth,
        json!({ "section": "routers", "routers": rows }),
    ))
}

async fn new_page(Owner(auth): Owner) -> impl IntoResponse {
    let defaults = HotspotNetwork::default();
    let form = json!({
        "name": "", "hotspot_dns": "login.wifi", "location": "",
        "interface": defaults.interface, "address": defaults.address, "pool": defaults.pool,
    });
    page(
        "portal/router_form.html",
        &auth,
        json!({ "section": "routers", "form": form, "action": "/portal/routers/new" }),
    )
}

async fn create<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Form(form): Form<RouterForm>,
) -> Result<Response, PortalError> {
    match state
        .tiketi
        .save_router(&auth.who, None, &form.draft())
        .await
    {
        Ok(router) => Ok(Redirect::to(&format!("/portal/routers/{}", router.id)).into_response()),
        Err(error) if refused_on_form(&error) => {
            let values =
                json!({ "section": "routers", "form": form, "action": "/portal/routers/new" });
            Ok(form_again(
                "portal/router_form.html",
                Some(&auth),
                &error,
                values,
            ))
        }
        Err(error) => Err(error.into()),
    }
}

async fn show<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
) -> Result<Html<String>, PortalError> {
    require_id(&id, "router")?;
    let values = router_values(&state, &auth, &id, None).await?;
    Ok(page("portal/router.html", &auth, values))
}

async fn router_values<P: Platform>(
    state: &PortalState<P>,
    auth: &super::auth::Auth,
    id: &str,
    form: Option<Value>,
) -> Result<Value, PortalError> {
    let op = &auth.who.operator;
    let router = state
        .tiketi
        .store
        .router(&op.id, id)
        .await?
        .ok_or(ServiceError::NotFound("router"))?;
    let inventory = state.tiketi.store.router_inventory(&op.id, id).await?;
    let now = state.tiketi.clock.now();
    let status = sync_status(
        inventory.as_ref().and_then(|i| i.last_report()),
        now,
        &op.time_zone,
    );
    let facts = facts(inventory.as_ref(), now);
    let base = &state.tiketi.settings.public_base_url;
    Ok(json!({
        "section": "routers",
        "router": { "id": router.id, "name": router.name, "set_up": router.secret_digest.is_some() },
        "form": form.unwrap_or_else(|| json!(RouterForm::of(&router))),
        "action": format!("/portal/routers/{}", router.id),
        "status": status, "facts": facts,
        "users_on_router": inventory.map_or(0, |i| i.users.len()),
        "checkout_url": format!("{base}/checkout/{}/{}", op.id, router.id),
    }))
}

async fn update<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
    Form(form): Form<RouterForm>,
) -> Result<Response, PortalError> {
    require_id(&id, "router")?;
    match state
        .tiketi
        .save_router(&auth.who, Some(&id), &form.draft())
        .await
    {
        Ok(_) => {
            let mut values = router_values(&state, &auth, &id, None).await?;
            values["notice"] =
                json!("Router saved. Download its setup script again to apply network changes.");
            Ok(page("portal/router.html", &auth, values).into_response())
        }
        Err(error @ ServiceError::Invalid(_)) => {
            let values = router_values(&state, &auth, &id, Some(json!(form))).await?;
            Ok(form_again(
                "portal/router.html",
                Some(&auth),
                &error,
                values,
            ))
        }
        Err(error) => Err(error.into()),
    }
}

async fn setup_script<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    require_id(&id, "router")?;
    let script = state
        .tiketi
        .router_setup_script(auth.operator_id(), &id)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tiketi-setup.rsc\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        script,
    )
        .into_response())
}
