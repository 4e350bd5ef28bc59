//! Reports, owners only:
//! - `GET /portal/reports`      revenue per day, week or month over a range; average sale; by
//!   ticket type, router, seller (agent) and channel; gross, gateway fees, commission and net
//! - `GET /portal/reports.csv`  one of those tables as CSV (`view=periods|ticket_type|router|
//!   seller|channel`)
//!
//! Both read the per-day counters only (`services::reports`), so a year's report is a handful
//! of queries whatever the number of sales; `tests/tests/portal_reports.rs` checks that the
//! figures equal a recount of the sales ledger.

use axum::{
    Router,
    extract::{Query, State},
    response::{IntoResponse, Response},
    routing::get,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tiketi_core::{
    domain::{ledger::DimensionKind, money::Money},
    services::{Platform, ServiceError, reports::Granularity},
    store::DayTotals,
};

use super::{PortalError, PortalState, auth::Owner, download, page};

pub fn routes<P: Platform>() -> Router<PortalState<P>> {
    Router::new()
        .route("/portal/reports", get(report::<P>))
        .route("/portal/reports.csv", get(csv::<P>))
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ReportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    by: String,
    #[serde(default, skip_serializing)]
    view: String,
}

/// One table of a report: its heading and rows of (label, figures).
struct Table {
    view: &'static str,
    heading: &'static str,
    rows: Vec<(String, DayTotals)>,
}

async fn tables<P: Platform>(
    state: &PortalState<P>,
    operator_id: &str,
    time_zone: &str,
    query: &ReportQuery,
) -> Result<(Date, Date, Granularity, Vec<Table>), ServiceError> {
    let tiketi = &state.tiketi;
    let (from, to) = tiketi.report_range(time_zone, &query.from, &query.to)?;
    let granularity = Granularity::parse(&query.by);
    let periods = tiketi.periods(operator_id, granularity, from, to).await?;
    let mut out = vec![Table {
        view: "periods",
        heading: "Period",
        rows: periods
            .into_iter()
            .map(|p| (period_label(granularity, p.start), p.totals))
            .collect(),
    }];
    let names = tiketi.report_names(operator_id).await?;
    for (kind, view, heading) in [
        (DimensionKind::TicketType, "ticket_type", "Ticket type"),
        (DimensionKind::Router, "router", "Router"),
        (DimensionKind::Seller, "seller", "Agent (cash sales)"),
        (DimensionKind::Channel, "channel", "Channel"),
    ] {
        let rows = tiketi
            .breakdown(operator_id, kind, from, to)
            .await?
            .into_iter()
            .map(|b| {
                let label = names.get(&b.value).cloned().unwrap_or(b.value);
                (label, b.totals)
            })
            .collect();
        out.push(Table {
            view,
            heading,
            rows,
        });
    }
    Ok((from, to, granularity, out))
}

fn period_label(granularity: Granularity, start: Date) -> String {
    match granularity {
        Granularity::Day => start.to_string(),
        Granularity::Week => format!("week of {start}"),
        Granularity::Month => start.strftime("%Y-%m").to_string(),
    }
}

fn figures(totals: &DayTotals, currency: &str) -> Value {
    let m = |minor| Money(minor).display(currency);
    json!({
        "sales": totals.net_count(), "gross": m(totals.gross_minor()), "fees": m(totals.fee_minor),
        "commission": m(totals.commission_minor), "net": m(totals.net_minor()),
        "average": m(totals.average_minor()), "reversed": totals.reversed_count,
    })
}

async fn report<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PortalError> {
    let operator = &auth.who.operator;
    let result = tables(&state, &operator.id, &operator.time_zone, &query).await;
    let (from, to, granularity, tables) = match result {
        Ok(found) => found,
        Err(error @ ServiceError::Invalid(_)) => {
            let values = json!({ "section": "reports", "query": query, "tables": [] });
            return Ok(super::form_again(
                "portal/reports.html",
                Some(&auth),
                &error,
                values,
            ));
        }
        Err(error) => return Err(error.into()),
    };
    let currency = &operator.currency;
    let total = tables[0]
        .rows
        .iter()
        .fold(DayTotals::default(), |mut acc, (_, t)| {
            acc.add(t);
            acc
        });
    let tables: Vec<Value> = tables
        .iter()
        .map(|t| {
            let rows: Vec<Value> = t
                .rows
                .iter()
                .map(|(label, totals)| json!({ "label": label, "f": figures(totals, currency) }))
                .collect();
            json!({ "view": t.view, "heading": t.heading, "rows": rows })
        })
        .collect();
    let shown = ReportQuery {
        from: from.to_string(),
        to: to.to_string(),
        by: granularity.as_str().to_owned(),
        view: String::new(),
    };
    let params = serde_urlencoded::to_string(&shown).unwrap_or_default();
    Ok(page(
        "portal/reports.html",
        &auth,
        json!({ "section": "reports", "query": shown, "params": params, "tables": tables,
            "total": figures(&total, currency) }),
    )
    .into_response())
}

/// A CSV field, quoted when it holds a separator, a quote or a line break; a leading `=`,
/// `+`, `-` or `@` is neutralised so a spreadsheet never runs a name as a formula.
fn csv_field(text: &str) -> String {
    let text = match text.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{text}"),
        _ => text.to_owned(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

async fn csv<P: Platform>(
    State(state): State<PortalState<P>>,
    Owner(auth): Owner,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PortalError> {
    let operator = &auth.who.operator;
    let (from, to, _, tables) = tables(&state, &operator.id, &operator.time_zone, &query).await?;
    let view = if query.view.is_empty() {
        "periods"
    } else {
        query.view.as_str()
    };
    let table = tables
        .iter()
        .find(|t| t.view == view)
        .ok_or(ServiceError::NotFound("report"))?;
    // Amounts in major units with two decimals: what a spreadsheet sums exactly.
    let amount = |minor: i64| {
        let sign = if minor < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
    };
    let mut out = format!(
        "{},sales,gross,gateway_fees,commission,net,average_sale,reversed,currency\r\n",
        csv_field(table.heading)
    );
    for (label, t) in &table.rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            csv_field(label),
            t.net_count(),
            amount(t.gross_minor()),
            amount(t.fee_minor),
            amount(t.commission_minor),
            amount(t.net_minor()),
            amount(t.average_minor()),
            t.reversed_count,
            csv_field(&operator.currency),
        ));
    }
    let filename = format!("tiketi-{view}-{from}-{to}.csv");
    download(
        &state,
        &auth,
        &filename,
        "text/csv; charset=utf-8",
        out.into_bytes(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("1 Hour"), "1 Hour");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-2"), "'-2");
    }

    #[test]
    fn averages_round_to_the_cent() {
        let totals = DayTotals {
            count: 3,
            amount_minor: 10_000,
            ..DayTotals::default()
        };
        assert_eq!(totals.average_minor(), 3_333);
        assert_eq!(DayTotals::default().average_minor(), 0);
    }
}
