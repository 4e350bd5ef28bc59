//! Ticket types (the packages sold), owners only:
//! - `GET       /portal/ticket-types`                list
//! - `GET|POST  /portal/ticket-types/new`            create
//! - `GET|POST  /portal/ticket-types/{id}`           change (vouchers already sold keep their terms)
//! - `POST      /portal/ticket-types/{id}/archive`   archive (`archived=1`) or restore (`0`)

use axum::{
    Router,
    extract::{Path, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::Form;
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::{
        catalog::{Allowance, TicketType, describe_duration},
        money::Money,
    },
    services::{Platform, ServiceError, catalog::TicketTypeDraft},
};

use super::{
    PortalError, PortalState,
    auth::{Auth, Owner},
    form_again, page, require_id,
};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/ticket-types", get(list::<P>))
        .route(
            "/portal/ticket-types/new",
            get(new_page::<P>).post(create::<P>),
        )
        .route(
            "/portal/ticket-types/{id}",
            get(edit_page::<P>).post(update::<P>),
        )
        .route("/portal/ticket-types/{id}/archive", post(archive::<P>))
}

/// The form as typed (strings, so a refused form comes back as it was).
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct TicketTypeForm {
    #[serde(default)]
    name: String,
    /// `time` or `data`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    /// `minutes`, `hours`, `days` (time) or `MB`, `GB` (data).
    #[serde(default)]
    unit: String,
    /// In major units, e.g. `50` or `49.50`.
    #[serde(default)]
    price: String,
    #[serde(default)]
    validity_amount: String,
    /// `hours` or `days`.
    #[serde(default)]
    validity_unit: String,
    #[serde(default)]
    rate_limit: String,
    #[serde(default)]
    shared_users: String,
    #[serde(default)]
    router_ids: Vec<String>,
    #[serde(default)]
    on_checkout: Option<String>,
    #[serde(default)]
    sort_order: String,
    /// Data tickets: the speed after the quota (fair usage); empty cuts off.
    #[serde(default)]
    fair_usage: String,
}

fn invalid(text: &str) -> ServiceError {
    ServiceError::Invalid(text.into())
}

fn number(text: &str, what: &str) -> Result<u64, ServiceError> {
    text.trim()
        .parse()
        .map_err(|_| ServiceError::Invalid(format!("{what} is a whole number")))
}

impl TicketTypeForm {
    fn draft(&self) -> Result<TicketTypeDraft, ServiceError> {
        let amount = number(&self.amount, "the amount")?;
        let allowance = match (self.kind.as_str(), self.unit.as_str()) {
            ("time", "minutes") => Allowance::Time {
                seconds: amount.saturating_mul(60),
            },
            ("time", "hours") => Allowance::Time {
                seconds: amount.saturating_mul(3_600),
            },
            ("time", "days") => Allowance::Time {
                seconds: amount.saturating_mul(86_400),
            },
            ("data", "MB") => Allowance::Data {
                bytes: amount.saturating_mul(1_000_000),
            },
            ("data", "GB") => Allowance::Data {
                bytes: amount.saturating_mul(1_000_000_000),
            },
            _ => {
                return Err(invalid(
                    "choose minutes, hours or days for time, MB or GB for data",
                ));
            }
        };
        let price = Money::parse_decimal(&self.price)
            .ok_or_else(|| invalid("the price is an amount like 50 or 49.50"))?;
        let validity = number(&self.validity_amount, "the validity")?;
        let validity_seconds = match self.validity_unit.as_str() {
            "hours" => validity.saturating_mul(3_600),
            "days" => validity.saturating_mul(86_400),
            _ => return Err(invalid("the validity is in hours or days")),
        };
        Ok(TicketTypeDraft {
            name: self.name.clone(),
            allowance,
            price,
            validity_seconds,
            rate_limit: Some(self.rate_limit.clone()),
            shared_users: u32::try_from(number(&self.shared_users, "devices at once")?)
                .unwrap_or(u32::MAX),
            router_ids: self.router_ids.clone(),
            on_checkout: self.on_checkout.is_some(),
            sort_order: u32::try_from(number(&self.sort_order, "the display order")?)
                .unwrap_or(u32::MAX),
            fair_usage: Some(self.fair_usage.clone()),
        })
    }

    fn of(t: &TicketType) -> Self {
        let (kind, amount, unit) = match t.allowance {
            Allowance::Time { seconds } if seconds.is_multiple_of(86_400) => {
                ("time", seconds / 86_400, "days")
            }
            Allowance::Time { seconds } if seconds.is_multiple_of(3_600) => {
                ("time", seconds / 3_600, "hours")
            }
            Allowance::Time { seconds } => ("time", seconds / 60, "minutes"),
            Allowance::Data { bytes } if bytes.is_multiple_of(1_000_000_000) => {
                ("data", bytes / 1_000_000_000, "GB")
            }
            Allowance::Data { bytes } => ("data", bytes / 1_000_000, "MB"),
        };
        let (validity_amount, validity_unit) = if t.validity_seconds.is_multiple_of(86_400) {
            (t.validity_seconds / 86_400, "days")
        } else {
            (t.validity_seconds.div_ceil(3_600), "hours")
        };
        Self {
            name: t.name.clone(),
            kind: kind.into(),
            amount: amount.to_string(),
            unit: unit.into(),
            price: t.price.decimal(),
            validity_amount: validity_amount.to_string(),
            validity_unit: validity_unit.into(),
            rate_limit: t.rate_limit.clone().unwrap_or_default(),
            shared_users: t.shared_users.to_string(),
            router_ids: t.router_ids.clone(),
            on_checkout: t.on_checkout.then(|| "on".into()),
            sort_order: t.sort_order.to_string(),
            fair_usage: t.fair_usage.clone().unwrap_or_default(),
        }
    }
}

async fn list<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Html<String>, PortalError> {
    let op = &auth.who.operator;
    let routers = state.tiketi.store.routers(&op.id).await?;
    let rows: Vec<Value> = state
        .tiketi
        .store
        .ticket_types(&op.id)
        .await?
        .iter()
        .map(|t| {
            let sold_at: Vec<&str> = routers
                .iter()
                .filter(|r| t.router_ids.is_empty() || t.router_ids.contains(&r.id))
                .map(|r| r.name.as_str())
                .collect();
            json!({
                "id": t.id, "name": t.name, "allowance": t.allowance.describe(),
                "validity": describe_duration(t.validity_seconds), "price": t.price.display(&op.currency),
                "rate_limit": t.rate_limit, "fair_usage": t.fair_usage, "shared_users": t.shared_users,
                "routers": if t.router_ids.is_empty() { "all routers".to_owned() } else { sold_at.join(", ") },
                "on_checkout": t.on_checkout, "archived": t.archived,
            })
        })
        .collect();
    Ok(page(
        "portal/ticket_types.html",
        &auth,
        json!({ "section": "ticket_types", "ticket_types": rows }),
    ))
}

async fn form_values<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    form: &TicketTypeForm,
    action: String,
    ticket: Option<&TicketType>,
) -> Result<Value, PortalError> {
    let routers: Vec<Value> = state
        .tiketi
        .store
        .routers(auth.operator_id())
        .await?
        .iter()
        .map(|r| json!({ "id": r.id, "name": r.name, "checked": form.router_ids.contains(&r.id) }))
        .collect();
    Ok(json!({
        "section": "ticket_types", "form": form, "routers": routers, "action": action,
        "currency": auth.who.operator.currency,
        "ticket": ticket.map(|t| json!({ "id": t.id, "name": t.name, "archived": t.archived })),
    }))
}

async fn new_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Html<String>, PortalError> {
    let form = TicketTypeForm {
        kind: "time".into(),
        amount: "1".into(),
        unit: "hours".into(),
        validity_amount: "1".into(),
        validity_unit: "days".into(),
        shared_users: "1".into(),
        on_checkout: Some("on".into()),
        sort_order: "0".into(),
        ..TicketTypeForm::default()
    };
    let values = form_values(
        &state,
        &auth,
        &form,
        "/portal/ticket-types/new".into(),
        None,
    )
    .await?;
    Ok(page("portal/ticket_type_form.html", &auth, values))
}

async fn save<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    id: Option<&str>,
    form: &TicketTypeForm,
) -> Result<Response, PortalError> {
    let saved = match form.draft() {
        Ok(draft) => state.tiketi.save_ticket_type(&auth.who, id, &draft).await,
        Err(error) => Err(error),
    };
    match saved {
        Ok(_) => Ok(Redirect::to("/portal/ticket-types").into_response()),
        Err(error @ ServiceError::Invalid(_)) => {
            let action = id.map_or_else(
                || "/portal/ticket-types/new".to_owned(),
                |id| format!("/portal/ticket-types/{id}"),
            );
            let ticket = match id {
                Some(id) => {
                    state
                        .tiketi
                        .store
                        .ticket_type(auth.operator_id(), id)
                        .await?
                }
                None => None,
            };
            let values = form_values(state, auth, form, action, ticket.as_ref()).await?;
            Ok(form_again(
                "portal/ticket_type_form.html",
                Some(auth),
                &error,
                values,
            ))
        }
        Err(error) => Err(error.into()),
    }
}

async fn create<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Form(form): Form<TicketTypeForm>,
) -> Result<Response, PortalError> {
    save(&state, &auth, None, &form).await
}

async fn edit_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
) -> Result<Html<String>, PortalError> {
    require_id(&id, "ticket type")?;
    let ticket = state
        .tiketi
        .store
        .ticket_type(auth.operator_id(), &id)
        .await?
        .ok_or(ServiceError::NotFound("ticket type"))?;
    let form = TicketTypeForm::of(&ticket);
    let action = format!("/portal/ticket-types/{id}");
    let values = form_values(&state, &auth, &form, action, Some(&ticket)).await?;
    Ok(page("portal/ticket_type_form.html", &auth, values))
}

async fn update<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
    Form(form): Form<TicketTypeForm>,
) -> Result<Response, PortalError> {
    require_id(&id, "ticket type")?;
    save(&state, &auth, Some(&id), &form).await
}

#[derive(Debug, Deserialize)]
pub struct ArchiveForm {
    #[serde(default)]
    archived: String,
}

async fn archive<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
    Form(form): Form<ArchiveForm>,
) -> Result<Response, PortalError> {
    require_id(&id, "ticket type")?;
    state
        .tiketi
        .set_ticket_type_archived(&auth.who, &id, form.archived == "1")
        .await?;
    Ok(Redirect::to("/portal/ticket-types").into_response())
}
