//! - `GET|POST /admin/plans`                     the plan catalogue
//! - `GET|POST /admin/testimonials`              the landing page's testimonials
//! - `POST     /admin/testimonials/{id}/delete`

use std::collections::HashMap;

use axum::{
    Form, Router,
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use tiketi_core::{
    domain::{
        money::Money,
        plan::{Feature, Plan},
    },
    services::{Platform, ServiceError},
};

use super::{AdminError, auth::Admin, form_again, page, require_id};
use crate::http::portal::PortalState;

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/admin/plans", get(plans_page::<P>).post(save_plan::<P>))
        .route(
            "/admin/testimonials",
            get(testimonials_page::<P>).post(add_testimonial::<P>),
        )
        .route(
            "/admin/testimonials/{id}/delete",
            post(delete_testimonial::<P>),
        )
}

fn plan_form(plan: &Plan) -> Value {
    let limit = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    json!({
        "code": plan.code, "name": plan.name, "price": plan.price.decimal(), "rank": plan.rank,
        "routers": limit(plan.routers), "agents": limit(plan.agents),
        "vouchers_per_month": limit(plan.vouchers_per_month), "on_sale": plan.on_sale,
        "features": Feature::ALL.iter().map(|f| json!({"code": f.as_str(), "label": f.label(), "on": plan.includes(*f)})).collect::<Vec<_>>(),
    })
}

async fn plans_values<P: Platform>(state: &PortalState<P>) -> Result<Value, AdminError> {
    let plans = state.tiketi.plan_catalogue().await?;
    Ok(json!({ "section": "plans", "plans": plans.iter().map(plan_form).collect::<Vec<_>>() }))
}

async fn plans_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
) -> Result<Response, AdminError> {
    let values = plans_values(&state).await?;
    Ok(page("admin/plans.html", &who, values))
}

/// A limit field: empty for no limit.
fn limit(text: Option<&String>, what: &str) -> Result<Option<u32>, ServiceError> {
    match text.map(|t| t.trim()).unwrap_or("") {
        "" => Ok(None),
        n => n.parse().map(Some).map_err(|_| {
            ServiceError::Invalid(format!("{what} is a whole number, or empty for no limit"))
        }),
    }
}

fn parse_plan(form: &HashMap<String, String>) -> Result<Plan, ServiceError> {
    let field = |name: &str| {
        form.get(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let price = Money::parse_decimal(&field("price")).ok_or_else(|| {
        ServiceError::Invalid("the price is an amount in KES like 500 or 1500.50".into())
    })?;
    let plan = Plan {
        code: field("code"),
        name: field("name"),
        price,
        currency: "KES".into(),
        routers: limit(form.get("routers"), "Routers")?,
        agents: limit(form.get("agents"), "Agents")?,
        vouchers_per_month: limit(form.get("vouchers_per_month"), "Vouchers a month")?,
        features: Feature::ALL
            .into_iter()
            .filter(|f| form.contains_key(&format!("feature_{}", f.as_str())))
            .collect(),
        on_sale: form.contains_key("on_sale"),
        rank: field("rank").parse().unwrap_or(99),
    };
    Ok(plan)
}

async fn save_plan<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AdminError> {
    let saved = match parse_plan(&form) {
        Ok(plan) => state.tiketi.admin_save_plan(&who.auth, &plan).await,
        Err(error) => Err(error),
    };
    match saved {
        Ok(()) => Ok(Redirect::to("/admin/plans").into_response()),
        Err(error @ ServiceError::Invalid(_)) => {
            let values = plans_values(&state).await?;
            Ok(form_again("admin/plans.html", &who, &error, values))
        }
        Err(error) => Err(error.into()),
    }
}

async fn testimonials_values<P: Platform>(state: &PortalState<P>) -> Result<Value, AdminError> {
    let all = state.tiketi.testimonials().await?;
    Ok(json!({
        "section": "testimonials",
        "testimonials": all.iter().map(|t| json!({"id": t.id, "quote": t.quote, "author": t.author, "business": t.business})).collect::<Vec<_>>(),
    }))
}

async fn testimonials_page<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
) -> Result<Response, AdminError> {
    let values = testimonials_values(&state).await?;
    Ok(page("admin/testimonials.html", &who, values))
}

#[derive(Debug, Default, Deserialize)]
pub struct TestimonialForm {
    #[serde(default)]
    quote: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    business: String,
}

async fn add_testimonial<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
    Form(form): Form<TestimonialForm>,
) -> Result<Response, AdminError> {
    match state
        .tiketi
        .admin_add_testimonial(&who.auth, &form.quote, &form.author, &form.business)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/testimonials").into_response()),
        Err(error @ ServiceError::Invalid(_)) => {
            let values = testimonials_values(&state).await?;
            Ok(form_again("admin/testimonials.html", &who, &error, values))
        }
        Err(error) => Err(error.into()),
    }
}

async fn delete_testimonial<P: Platform>(
    State(state): State<PortalState<P>>,
    Admin(who): Admin,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    require_id(&id, "testimonial")?;
    state
        .tiketi
        .admin_delete_testimonial(&who.auth, &id)
        .await?;
    Ok(Redirect::to("/admin/testimonials").into_response())
}
