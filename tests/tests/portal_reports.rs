//! Reports reconcile with the ledger: online sales (one reversed), cash sales by the owner and
//! an agent; every figure of every CSV view equals a recount of the day's sale items, and the
//! per-status voucher counts equal a recount of the vouchers.

use std::collections::HashMap;

use reqwest::StatusCode;
use tiketi_core::{
    domain::{
        ledger::Channel,
        order::OrderStatus,
        voucher::{Sale, VoucherStatus},
    },
    services::vouchers::{STATUSES, VoucherSearch},
    store::{POOL_COUNT, counted_as},
};
use tiketi_tests::{
    app::spawn_app,
    portal::{PortalUser, demo_owner},
};

/// Figures as the CSV writes them: sales, gross, fees, commission, net (minor units).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Figures {
    sales: i64,
    gross: i64,
    fees: i64,
    commission: i64,
    net: i64,
}

impl Figures {
    fn add_sale(&mut self, sale: &Sale, reversed: bool) {
        if reversed {
            // The price went back to the buyer; the gateway kept its fee.
            self.fees += sale.fee.minor();
            self.net -= sale.fee.minor();
            return;
        }
        self.sales += 1;
        self.gross += sale.amount.minor();
        self.fees += sale.fee.minor();
        self.commission += sale.commission.minor();
        self.net += sale.amount.minor() - sale.fee.minor() - sale.commission.minor();
    }
}

fn cents(text: &str) -> i64 {
    let (major, minor) = text.split_once('.').expect("two decimals");
    let sign = if major.starts_with('-') { -1 } else { 1 };
    sign * (major.trim_start_matches('-').parse::<i64>().unwrap() * 100
        + minor.parse::<i64>().unwrap())
}

/// A CSV view as label -> figures.
async fn csv(owner: &PortalUser, view: &str) -> HashMap<String, Figures> {
    let answer = owner
        .download(&format!("/portal/reports.csv?view={view}"))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = answer.text().await.unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.ends_with(",sales,gross,gateway_fees,commission,net,average_sale,reversed,currency")
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let figures = Figures {
                sales: f[1].parse().unwrap(),
                gross: cents(f[2]),
                fees: cents(f[3]),
                commission: cents(f[4]),
                net: cents(f[5]),
            };
            (f[0].to_owned(), figures)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_equals_a_recount_of_the_sales() {
    let app = spawn_app().await;
    let owner = demo_owner(&app, "reports@demo.example").await;
    let (agent_id, token) = owner
        .invite_agent("Cash Agent", "cash@example.com", &[("commission", "12.5")])
        .await;
    let agent = PortalUser::accept_invite(&app, &token).await;

    // Online: two sales, the first reversed afterwards.
    let (first, _) = app.buy("1d", "0712000001").await;
    app.buy("1h", "0712000002").await;
    app.sandbox()
        .reverse(&first.tracking_id, true)
        .await
        .unwrap();
    assert_eq!(
        app.order(&first.order_id).await.status,
        OrderStatus::Reversed
    );
    // Cash: one by the owner, two by the agent.
    let batch_id = owner.add_batch("1d", "demo-router", 4).await;
    owner
        .post(
            &format!("/portal/batches/{batch_id}/handover"),
            &[("agent_id", &agent_id)],
        )
        .await;
    let store = &app.host.tiketi.store;
    let codes: Vec<String> = store
        .batch_pages("demo", &batch_id)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|p| p.codes.into_iter().map(|c| c.code))
        .collect();
    for (seller, code) in [
        (&owner, &codes[0]),
        (&agent, &codes[1]),
        (&agent, &codes[2]),
    ] {
        let sold = seller.post("/portal/sell", &[("code", code)]).await;
        assert_eq!(sold.status(), StatusCode::OK);
    }

    // The recount, from the sale items of the day.
    let today = app
        .host
        .tiketi
        .business_today("Africa/Nairobi")
        .unwrap()
        .to_string();
    let sales = store.sales_of_day("demo", &today).await.unwrap();
    assert_eq!(sales.len(), 5);
    let names: HashMap<String, String> = store
        .ticket_types("demo")
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut all = Figures::default();
    let mut by: HashMap<(&str, String), Figures> = HashMap::new();
    for sale in &sales {
        let reversed = sale.order_id == first.order_id;
        all.add_sale(sale, reversed);
        let seller = sale.seller.as_ref().map(|s| s.name.clone());
        let channel = match sale.channel {
            Channel::Online => "Online (Pesapal)",
            Channel::Cash => "Cash (agents)",
        };
        let mut keys = vec![
            ("ticket_type", names[&sale.ticket_type_id].clone()),
            ("router", "Demo Router".to_owned()),
            ("channel", channel.to_owned()),
        ];
        if let Some(seller) = seller {
            keys.push(("seller", seller));
        }
        for key in keys {
            by.entry(key).or_default().add_sale(sale, reversed);
        }
    }
    assert!(all.fees > 0, "online sales carry the gateway fee");
    assert!(all.commission > 0, "the agent's sales carry commission");

    let periods = csv(&owner, "periods").await;
    assert_eq!(periods[&today], all, "today's row");
    assert_eq!(
        periods.values().filter(|f| f.sales > 0).count(),
        1,
        "only today sold"
    );
    for view in ["ticket_type", "router", "channel", "seller"] {
        let rows = csv(&owner, view).await;
        let expected: HashMap<String, Figures> = by
            .iter()
            .filter(|((v, _), _)| *v == view)
            .map(|((_, label), f)| (label.clone(), *f))
            .collect();
        // Reversals are counted apart, so a row may remain with nothing left in it.
        let rows: HashMap<String, Figures> = rows
            .into_iter()
            .filter(|(_, f)| *f != Figures::default())
            .collect();
        assert_eq!(rows, expected, "{view}");
    }

    // The dashboard shows the same takings, and draws its charts.
    let gross = tiketi_core::domain::money::Money(all.gross).display("KES");
    let dashboard = owner.page("/portal").await;
    assert!(dashboard.contains(&gross), "{gross} in {dashboard}");
    assert!(dashboard.matches("<svg").count() >= 2, "two charts");
    for chart in ["weekly", "monthly"] {
        assert!(
            owner
                .page(&format!("/portal?chart={chart}"))
                .await
                .contains(&gross)
        );
    }
    let report = owner.page("/portal/reports?by=month").await;
    assert!(report.contains(&gross));
    let bad = owner
        .get("/portal/reports?from=2026-12-01&to=2026-01-01")
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Voucher counts kept by every status change equal a recount; unsold pool vouchers (the
    // routers' float for online sales) count apart from the operator's stock, and the
    // dashboard says so.
    assert!(app.host.tiketi.refill_pools().await.unwrap() > 0);
    let counts = store.voucher_counts("demo").await.unwrap();
    let pooled = counts[POOL_COUNT];
    assert!(pooled > 0);
    assert!(
        owner
            .page("/portal")
            .await
            .contains(&format!("{pooled} more waiting on routers"))
    );
    let mut pool_found = 0;
    let operator = store.operator("demo").await.unwrap().unwrap();
    for status in STATUSES {
        let mut found = 0;
        let mut cursor: Option<String> = None;
        loop {
            let search = VoucherSearch::Listing {
                status: Some(status),
                from: None,
                to: None,
            };
            let page = app
                .host
                .tiketi
                .search_vouchers(&operator, &search, cursor.as_deref(), 50)
                .await
                .unwrap();
            for voucher in &page.items {
                match counted_as(voucher) {
                    POOL_COUNT => pool_found += 1,
                    counted => {
                        assert_eq!(counted, status.as_str());
                        found += 1;
                    }
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(counts[status.as_str()], found, "{status:?}");
    }
    assert_eq!(pooled, pool_found, "pool vouchers");
    assert_eq!(
        counts[VoucherStatus::Cancelled.as_str()],
        1,
        "the reversed sale's voucher"
    );
}
