//! Agents, managed by the owner, and the invitation they accept:
//! - `GET       /portal/agents`                     list with what each holds for the owner
//! - `GET|POST  /portal/agents/new`                 invite (shows the link to share, once)
//! - `GET|POST  /portal/agents/{id}`                details, sales, settlements; edit
//! - `POST      /portal/agents/{id}/settlements`    record cash handed over
//! - `POST      /portal/agents/{id}/invite`         a new invitation link (not yet accepted)
//! - `GET|POST  /portal/invite/{token}`             the agent sets a password (no session yet)

use axum::{
    Router,
    extract::{Path, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use axum_extra::extract::{Form, cookie::CookieJar};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tiketi_core::{
    domain::{ledger::Rate, money::Money},
    services::{
        Platform, ServiceError,
        agents::{AgentTerms, AgentView, Invitation},
    },
};

use super::{
    PortalError, PortalState,
    accounts::logged_in,
    auth::{self, Auth, Owner},
    form_again, local_time, page, refused_on_form, render_page, require_id,
};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/agents", get(list::<P>))
        .route("/portal/agents/new", get(new_page::<P>).post(invite::<P>))
        .route("/portal/agents/{id}", get(show::<P>).post(update::<P>))
        .route("/portal/agents/{id}/settlements", post(settle::<P>))
        .route("/portal/agents/{id}/invite", post(reinvite::<P>))
        .route(
            "/portal/invite/{token}",
            get(invite_page::<P>).post(accept::<P>),
        )
}

fn money(auth: &Auth, amount: Money) -> String {
    amount.display(&auth.who.operator.currency)
}

fn summary(view: &AgentView, auth: &Auth) -> Value {
    let user = &view.user;
    let default = auth.who.operator.agent_commission;
    json!({
        "id": user.id, "name": user.name, "email": user.email.as_str(), "phone": user.phone,
        "routers": user.router_ids, "all_routers": user.router_ids.is_empty(),
        "commission": user.commission.map(Rate::percent),
        "effective_commission": user.commission.unwrap_or(default).percent(),
        "active": user.active, "pending": view.pending,
        "sales": view.balance.sales, "collected": money(auth, view.balance.collected),
        "earned": money(auth, view.balance.commission), "settled": money(auth, view.balance.settled),
        "owed": money(auth, view.balance.owed()), "owes": view.balance.owed().minor() > 0,
    })
}

async fn list<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Html<String>, PortalError> {
    let agents: Vec<Value> = state
        .tiketi
        .agents(auth.operator_id())
        .await?
        .iter()
        .map(|a| summary(a, &auth))
        .collect();
    Ok(page(
        "portal/agents.html",
        &auth,
        json!({ "section": "agents", "agents": agents,
            "default_commission": auth.who.operator.agent_commission.percent() }),
    ))
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AgentForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    router_ids: Vec<String>,
    /// Percent; empty: the operator's default.
    #[serde(default)]
    commission: String,
    #[serde(default)]
    active: Option<String>,
}

impl AgentForm {
    fn terms(&self) -> Result<AgentTerms, ServiceError> {
        let commission = match self.commission.trim() {
            "" => None,
            text => {
                Some(Rate::parse_percent(text).map_err(|e| ServiceError::Invalid(e.to_string()))?)
            }
        };
        Ok(AgentTerms {
            name: self.name.clone(),
            phone: self.phone.clone(),
            router_ids: self.router_ids.clone(),
            commission,
        })
    }
}

async fn form_values<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    form: &AgentForm,
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
        "section": "agents", "form": form, "routers": routers,
        "default_commission": auth.who.operator.agent_commission.percent(),
    }))
}

async fn new_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
) -> Result<Html<String>, PortalError> {
    let values = form_values(&state, &auth, &AgentForm::default()).await?;
    Ok(page("portal/agent_form.html", &auth, values))
}

fn invitation_page<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    invitation: &Invitation,
) -> Html<String> {
    let link = format!(
        "{}/portal/invite/{}",
        state.tiketi.settings.public_base_url, invitation.token
    );
    page(
        "portal/invite_link.html",
        auth,
        json!({ "section": "agents", "agent": { "id": invitation.agent.id, "name": invitation.agent.name,
            "email": invitation.agent.email.as_str() }, "link": link }),
    )
}

async fn invite<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Form(form): Form<AgentForm>,
) -> Result<Response, PortalError> {
    let result = match form.terms() {
        Ok(terms) => {
            state
                .tiketi
                .invite_agent(&auth.who, &form.email, &terms)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(invitation) => Ok(invitation_page(&state, &auth, &invitation).into_response()),
        Err(error) if refused_on_form(&error) => {
            let values = form_values(&state, &auth, &form).await?;
            Ok(form_again(
                "portal/agent_form.html",
                Some(&auth),
                &error,
                values,
            ))
        }
        Err(error) => Err(error.into()),
    }
}

async fn details<P: Platform>(
    state: &PortalState<P>,
    auth: &Auth,
    id: &str,
    form: Option<&AgentForm>,
) -> Result<Value, PortalError> {
    require_id(id, "agent")?;
    let op = auth.operator_id();
    let view = state.tiketi.agent_details(op, id).await?;
    let zone = &auth.who.operator.time_zone;
    let sales: Vec<Value> = state
        .tiketi
        .store
        .agent_sales(op, id, 50)
        .await?
        .iter()
        .map(|s| json!({ "at": local_time(s.sold_at, zone), "code": s.voucher_code, "ticket": s.ticket_name,
            "amount": money(auth, s.amount), "commission": money(auth, s.commission) }))
        .collect();
    let settlements: Vec<Value> = state
        .tiketi
        .store
        .settlements(op, id, 50)
        .await?
        .iter()
        .map(|s| {
            json!({ "at": local_time(s.at, zone), "amount": money(auth, s.amount), "note": s.note,
            "by": s.recorded_by.name })
        })
        .collect();
    let current = AgentForm {
        name: view.user.name.clone(),
        email: view.user.email.as_str().to_owned(),
        phone: view.user.phone.clone().unwrap_or_default(),
        router_ids: view.user.router_ids.clone(),
        commission: view.user.commission.map(Rate::percent).unwrap_or_default(),
        active: view.user.active.then(|| "on".to_owned()),
    };
    let mut values = form_values(state, auth, form.unwrap_or(&current)).await?;
    values["agent"] = summary(&view, auth);
    values["sales"] = json!(sales);
    values["settlements"] = json!(settlements);
    Ok(values)
}

async fn show<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
) -> Result<Html<String>, PortalError> {
    let values = details(&state, &auth, &id, None).await?;
    Ok(page("portal/agent.html", &auth, values))
}

async fn update<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
    Form(form): Form<AgentForm>,
) -> Result<Response, PortalError> {
    require_id(&id, "agent")?;
    let result = match form.terms() {
        Ok(terms) => {
            let active = form.active.is_some();
            state
                .tiketi
                .update_agent(&auth.who, &id, &terms, active)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/portal/agents/{id}")).into_response()),
        Err(error @ ServiceError::Invalid(_)) => {
            let values = details(&state, &auth, &id, Some(&form)).await?;
            Ok(form_again("portal/agent.html", Some(&auth), &error, values))
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SettlementForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
}

async fn settle<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
    Form(form): Form<SettlementForm>,
) -> Result<Response, PortalError> {
    require_id(&id, "agent")?;
    match state
        .tiketi
        .record_settlement(&auth.who, &id, &form.amount, &form.note)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/portal/agents/{id}")).into_response()),
        Err(error @ ServiceError::Invalid(_)) => {
            let mut values = details(&state, &auth, &id, None).await?;
            values["settlement_error"] = json!(error.to_string());
            values["settlement"] = json!({ "amount": form.amount, "note": form.note });
            Ok(form_again("portal/agent.html", Some(&auth), &error, values))
        }
        Err(error) => Err(error.into()),
    }
}

async fn reinvite<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    require_id(&id, "agent")?;
    let invitation = state.tiketi.renew_invite(&auth.who, &id).await?;
    Ok(invitation_page(&state, &auth, &invitation).into_response())
}

/// Invitation tokens are 48 hex digits; anything else is not found.
fn require_token(token: &str) -> Result<(), PortalError> {
    if token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(ServiceError::NotFound("invitation").into())
    }
}

async fn invite_page<P: Platform>(
    State(state): State<PortalState<P>>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Result<Response, PortalError> {
    require_token(&token)?;
    let (agent, business) = state.tiketi.open_invite(&token).await?;
    let (jar, csrf) = auth::pre_login(&state, jar);
    let html = render_page(
        "portal/invite.html",
        None,
        json!({ "csrf": csrf, "token": token, "name": agent.name, "email": agent.email.as_str(),
            "business": business }),
    );
    Ok((jar, Html(html)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    password: String,
}

async fn accept<P: Platform>(
    State(state): State<PortalState<P>>,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, PortalError> {
    require_token(&token)?;
    match state.tiketi.accept_invite(&token, &form.password).await {
        Ok(session) => Ok(logged_in(&state, jar, &session)),
        Err(error @ ServiceError::Invalid(_)) => {
            let (agent, business) = state.tiketi.open_invite(&token).await?;
            let (jar, csrf) = auth::pre_login(&state, jar);
            let values = json!({ "csrf": csrf, "token": token, "name": agent.name,
                "email": agent.email.as_str(), "business": business });
            Ok((jar, form_again("portal/invite.html", None, &error, values)).into_response())
        }
        Err(error) => Err(error.into()),
    }
}
