//! Smoke tests of the DynamoDB and SQS adapters against an emulator (moto) at `AWS_ENDPOINT_URL`.
//!
//! Every test creates its own table or queue under a fresh ULID name, so the tests may run in
//! parallel against one emulator. Start one with `moto_server -H 127.0.0.1 -p 4566` and set
//! `AWS_ENDPOINT_URL=http://127.0.0.1:4566`.
#![cfg(feature = "aws")]

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use serde_json::{Value, json};
use tiketi_adapters::{
    dynamodb::{DynamoTable, create_table},
    sqs::{SqsQueue, create_queue_with_dlq},
};
use tiketi_core::ports::{
    queue::{Delivery, Queue},
    table::{Change, Condition, Cursor, Index, Item, Key, Query, Table, TableError, Write},
};
use ulid::Ulid;

async fn sdk_config() -> SdkConfig {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!(
            "AWS_ENDPOINT_URL is not set: these tests need a DynamoDB/SQS emulator, e.g. \
             `moto_server -H 127.0.0.1 -p 4566` and AWS_ENDPOINT_URL=http://127.0.0.1:4566"
        )
    });
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).endpoint_url(endpoint);
    if std::env::var_os("AWS_REGION").is_none() {
        loader = loader.region(Region::new("us-east-1"));
    }
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        loader = loader.credentials_provider(Credentials::new("test", "test", None, None, "test"));
    }
    loader.load().await
}

fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", Ulid::new()).to_lowercase()
}

async fn new_table() -> DynamoTable {
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let name = unique_name("tiketi-smoke");
    create_table(&client, &name)
        .await
        .expect("create the table");
    DynamoTable::new(client, name)
}

async fn new_queue(visibility_timeout_secs: u32, max_receives: u32) -> (SqsQueue, SqsQueue) {
    let client = aws_sdk_sqs::Client::new(&sdk_config().await);
    let (url, dlq_url) = create_queue_with_dlq(
        &client,
        &unique_name("tiketi-smoke"),
        visibility_timeout_secs,
        max_receives,
    )
    .await
    .expect("create the queues");
    (
        SqsQueue::new(client.clone(), url),
        SqsQueue::new(client, dlq_url),
    )
}

fn item(value: Value) -> Item {
    Item(value.as_object().expect("an item is a JSON object").clone())
}

fn sk_list(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|item| item.str("sk").unwrap_or_default().to_owned())
        .collect()
}

/// Reads every page of `query`, checking that each holds at most `limit` items.
async fn read_pages(table: &DynamoTable, mut query: Query) -> (Vec<Item>, usize) {
    let (mut items, mut pages) = (Vec::new(), 0);
    loop {
        let page = table.query(&query).await.expect("query a page");
        pages += 1;
        assert!(page.items.len() <= query.limit.unwrap_or(usize::MAX));
        items.extend(page.items);
        match page.next {
            Some(next) => query.after = Some(next),
            None => return (items, pages),
        }
    }
}

#[tokio::test]
async fn conditional_put_succeeds_once_and_items_round_trip() {
    let table = new_table().await;
    let stored = item(json!({
        "pk": "OP#1", "sk": "META", "name": "Kibanda", "count": 42, "negative": -7,
        "big": 9_007_199_254_740_993_i64, "active": true, "note": null,
        "nested": {"list": [1, "two", false, {"deep": 3}], "empty": {}}, "blank": ""
    }));

    table
        .write(Write::put_new(stored.clone()))
        .await
        .expect("first put");
    let second = table
        .write(Write::put_new(item(json!({"pk": "OP#1", "sk": "META"}))))
        .await;

    assert!(
        matches!(second, Err(TableError::ConditionFailed { index: 0 })),
        "{second:?}"
    );
    let read = table
        .get(&Key::new("OP#1", "META"))
        .await
        .expect("get")
        .expect("the item");
    assert_eq!(read, stored);
    assert_eq!(read.int("big"), Some(9_007_199_254_740_993));
    assert_eq!(
        table.get(&Key::new("OP#1", "NOPE")).await.expect("get"),
        None
    );
}

#[tokio::test]
async fn conditions_on_single_writes() {
    let table = new_table().await;
    let key = Key::new("ORDER#1", "META");
    table
        .write(Write::put(item(
            json!({"pk": "ORDER#1", "sk": "META", "status": "new"}),
        )))
        .await
        .expect("put");
    let update = |condition: Condition| Write::Update {
        key: key.clone(),
        changes: vec![("status".into(), Change::Set(json!("paid")))],
        condition: Some(condition),
    };
    let check = |condition: Condition| Write::Check {
        key: key.clone(),
        condition,
    };

    let wrong_status = table
        .write(update(Condition::attr_eq("status", "paid")))
        .await;
    let absent_attr = table
        .write(check(Condition::AttrAbsent("status".into())))
        .await;
    let missing = table
        .write(Write::Check {
            key: Key::new("ORDER#2", "META"),
            condition: Condition::Exists,
        })
        .await;
    table
        .write(check(Condition::Exists))
        .await
        .expect("check exists");
    table
        .write(update(Condition::All(vec![
            Condition::AttrIn {
                attribute: "status".into(),
                values: vec![json!("new"), json!("x")],
            },
            Condition::AttrAbsent("voucher_code".into()),
        ])))
        .await
        .expect("conditional update");
    let delete_new = table
        .write(Write::Delete {
            key: key.clone(),
            condition: Some(Condition::attr_eq("status", "new")),
        })
        .await;

    assert!(matches!(
        wrong_status,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    assert!(matches!(
        absent_attr,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    assert!(matches!(
        missing,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    assert!(matches!(
        delete_new,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    let read = table.get(&key).await.expect("get").expect("the item");
    assert_eq!(read.str("status"), Some("paid"));
    table
        .write(Write::Delete {
            key: key.clone(),
            condition: Some(Condition::attr_eq("status", "paid")),
        })
        .await
        .expect("conditional delete");
    assert_eq!(table.get(&key).await.expect("get"), None);
}

#[tokio::test]
async fn transaction_with_failing_condition_at_index_2_writes_nothing() {
    let table = new_table().await;
    let writes = vec![
        Write::put_new(item(json!({"pk": "T", "sk": "A"}))),
        Write::Update {
            key: Key::new("T", "B"),
            changes: vec![("count".into(), Change::Add(1))],
            condition: None,
        },
        Write::Check {
            key: Key::new("T", "C"),
            condition: Condition::Exists,
        },
        Write::Delete {
            key: Key::new("T", "D"),
            condition: None,
        },
    ];

    let failed = table.transact(writes.clone()).await;
    let duplicate = table
        .transact(vec![
            Write::put(item(json!({"pk": "T", "sk": "A"}))),
            Write::Check {
                key: Key::new("T", "A"),
                condition: Condition::NotExists,
            },
        ])
        .await;

    assert!(
        matches!(failed, Err(TableError::ConditionFailed { index: 2 })),
        "{failed:?}"
    );
    assert!(
        matches!(duplicate, Err(TableError::Invalid(_))),
        "{duplicate:?}"
    );
    for sk in ["A", "B"] {
        assert_eq!(table.get(&Key::new("T", sk)).await.expect("get"), None);
    }
    table
        .write(Write::put(item(json!({"pk": "T", "sk": "C"}))))
        .await
        .expect("put C");
    table
        .transact(writes)
        .await
        .expect("the same transaction, now valid");
    assert!(table.get(&Key::new("T", "A")).await.expect("get").is_some());
    let counter = table
        .get(&Key::new("T", "B"))
        .await
        .expect("get")
        .expect("B");
    assert_eq!(counter.int("count"), Some(1));
}

#[tokio::test]
async fn add_creates_and_increments_an_integer_counter() {
    let table = new_table().await;
    let key = Key::new("DAY#2026-01-01", "TOTAL");
    let add = |delta: i64| Write::Update {
        key: key.clone(),
        changes: vec![
            ("count".into(), Change::Add(delta)),
            ("entity".into(), Change::Set(json!("day_total"))),
            ("stale".into(), Change::Remove),
        ],
        condition: None,
    };

    table
        .write(add(1))
        .await
        .expect("first add creates the item");
    table.write(add(1)).await.expect("second add");
    table
        .transact(vec![add(5)])
        .await
        .expect("add in a transaction");

    let read = table.get(&key).await.expect("get").expect("the counter");
    assert_eq!(
        read,
        item(json!({"pk": "DAY#2026-01-01", "sk": "TOTAL", "count": 7, "entity": "day_total"}))
    );
}

#[tokio::test]
async fn gsi_queries_with_between_and_begins_with() {
    let table = new_table().await;
    let days = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-02-01"];
    let items: Vec<Item> = days
        .iter()
        .map(|day| {
            item(
                json!({"pk": format!("V#{day}"), "sk": "META", "gsi1pk": "OP#1#VOUCHERS",
                        "gsi1sk": format!("{day}#v"), "day": day}),
            )
        })
        .chain([item(
            json!({"pk": "X", "sk": "META", "gsi1pk": "OP#2#VOUCHERS", "gsi1sk": "2026-01-02#v"}),
        )])
        .collect();
    table.batch_put(items).await.expect("batch put");
    let query = || Query::partition(Index::Gsi1, "OP#1#VOUCHERS");
    let days_of = |items: &[Item]| -> Vec<String> {
        items
            .iter()
            .map(|item| item.str("day").unwrap_or_default().to_owned())
            .collect()
    };

    let between = table
        .query(&query().between("2026-01-02", "2026-01-03~"))
        .await
        .expect("between");
    let january = table
        .query(&query().begins_with("2026-01"))
        .await
        .expect("begins_with");
    let descending = table
        .query(&query().begins_with("2026-01").descending())
        .await
        .expect("desc");
    let inverted = table
        .query(&query().between("2026-02", "2026-01"))
        .await
        .expect("inverted");

    assert_eq!(days_of(&between.items), ["2026-01-02", "2026-01-03"]);
    assert_eq!(
        days_of(&january.items),
        ["2026-01-01", "2026-01-02", "2026-01-03"]
    );
    assert_eq!(
        days_of(&descending.items),
        ["2026-01-03", "2026-01-02", "2026-01-01"]
    );
    assert!(inverted.items.is_empty() && inverted.next.is_none());
    assert_eq!(between.next, None);
}

#[tokio::test]
async fn pagination_with_limit_and_cursor_on_the_primary_index() {
    let table = new_table().await;
    let sks: Vec<String> = (0..7).map(|n| format!("SALE#{n:02}")).collect();
    let mut items: Vec<Item> = sks
        .iter()
        .map(|sk| item(json!({"pk": "P", "sk": sk})))
        .collect();
    items.push(item(json!({"pk": "P", "sk": "OTHER"})));
    table.batch_put(items).await.expect("batch put");
    let query = Query::partition(Index::Primary, "P").begins_with("SALE#");

    let (by_three, pages_of_three) = read_pages(&table, query.clone().limit(3)).await;
    let (by_seven, pages_of_seven) = read_pages(&table, query.clone().limit(7)).await;
    let (backwards, _) = read_pages(&table, query.clone().descending().limit(2)).await;
    let first = table
        .query(&query.clone().limit(3))
        .await
        .expect("first page");

    assert_eq!(sk_list(&by_three), sks);
    assert_eq!(pages_of_three, 3);
    assert_eq!((sk_list(&by_seven), pages_of_seven), (sks.clone(), 1));
    assert_eq!(
        sk_list(&backwards),
        sks.iter().rev().cloned().collect::<Vec<_>>()
    );
    let next = first.next.expect("a cursor after the first page");
    assert_eq!(
        next,
        Cursor {
            key: Key::new("P", "SALE#02"),
            range: "SALE#02".into()
        }
    );
}

#[tokio::test]
async fn pagination_with_limit_and_cursor_on_a_gsi() {
    let table = new_table().await;
    // Pairs of items share a GSI range value, so the cursor must carry the table key too.
    let items: Vec<Item> = (0..9)
        .map(|n| {
            item(
                json!({"pk": format!("ORDER#{n}"), "sk": "META", "gsi2pk": "OP#1#PAID",
                        "gsi2sk": format!("2026-01-01T0{}", n / 2)}),
            )
        })
        .collect();
    table.batch_put(items).await.expect("batch put");
    let query = Query::partition(Index::Gsi2, "OP#1#PAID");

    let (all, _) = read_pages(&table, query.clone()).await;
    let (by_two, pages) = read_pages(&table, query.clone().limit(2)).await;
    let (backwards, _) = read_pages(&table, query.clone().descending().limit(4)).await;
    let first = table
        .query(&query.clone().limit(2))
        .await
        .expect("first page");

    let keys = |items: &[Item]| items.iter().filter_map(Item::key).collect::<Vec<_>>();
    assert_eq!(all.len(), 9);
    assert_eq!(keys(&by_two), keys(&all));
    assert_eq!(pages, 5);
    assert_eq!(
        keys(&backwards),
        keys(&all).into_iter().rev().collect::<Vec<_>>()
    );
    let next = first.next.expect("a cursor after the first page");
    assert_eq!(Some(next.key.clone()), first.items[1].key());
    assert_eq!(next.range, "2026-01-01T00");
}

#[tokio::test]
async fn batch_put_writes_sixty_items() {
    let table = new_table().await;
    let mut items: Vec<Item> = (0..60)
        .map(|n| item(json!({"pk": "B", "sk": format!("{n:03}"), "n": n})))
        .collect();
    items.push(item(json!({"pk": "B", "sk": "007", "n": 1007})));

    table.batch_put(items).await.expect("batch put");
    table.batch_put(Vec::new()).await.expect("an empty batch");

    let (read, _) = read_pages(&table, Query::partition(Index::Primary, "B")).await;
    assert_eq!(read.len(), 60);
    assert_eq!(read[7].int("n"), Some(1007), "the last put of a key wins");
    assert_eq!(read[59].int("n"), Some(59));
}

async fn receive_one(queue: &SqsQueue) -> Delivery {
    let mut received = queue
        .receive(1, Duration::from_secs(2))
        .await
        .expect("receive");
    assert_eq!(received.len(), 1, "{received:?}");
    received.remove(0)
}

#[tokio::test]
async fn sqs_send_receive_ack() {
    let (queue, _) = new_queue(30, 3).await;
    for body in ["one", "two"] {
        queue.send(body.into()).await.expect("send");
    }

    let mut received = Vec::new();
    for _ in 0..5 {
        received.extend(
            queue
                .receive(10, Duration::from_secs(1))
                .await
                .expect("receive"),
        );
        if received.len() == 2 {
            break;
        }
    }
    let mut bodies: Vec<&str> = received.iter().map(|d| d.body.as_str()).collect();
    bodies.sort_unstable();
    assert_eq!(bodies, ["one", "two"]);
    assert!(received.iter().all(|delivery| delivery.receive_count == 1));
    for delivery in &received {
        queue.ack(&delivery.receipt).await.expect("ack");
    }
    assert!(
        queue
            .receive(10, Duration::ZERO)
            .await
            .expect("receive")
            .is_empty()
    );
    assert!(
        queue
            .receive(0, Duration::ZERO)
            .await
            .expect("receive none")
            .is_empty()
    );
}

#[tokio::test]
async fn sqs_redelivers_after_the_visibility_timeout() {
    let (queue, _) = new_queue(1, 5).await;
    queue.send("late".into()).await.expect("send");

    let first = receive_one(&queue).await;
    let hidden = queue
        .receive(10, Duration::ZERO)
        .await
        .expect("receive while invisible");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let again = receive_one(&queue).await;

    assert!(hidden.is_empty());
    assert_eq!(
        (again.id.as_str(), again.receive_count),
        (first.id.as_str(), 2)
    );
    queue.ack(&again.receipt).await.expect("ack");
}

#[tokio::test]
async fn sqs_release_makes_a_message_visible_at_once() {
    let (queue, _) = new_queue(30, 5).await;
    queue.send("retry me".into()).await.expect("send");

    let first = receive_one(&queue).await;
    queue.release(&first.receipt).await.expect("release");
    let again = receive_one(&queue).await;

    assert_eq!(
        (again.id.as_str(), again.body.as_str()),
        (first.id.as_str(), "retry me")
    );
    assert_eq!(again.receive_count, 2);
}

#[tokio::test]
async fn sqs_moves_a_message_to_the_dlq_after_max_receives() {
    let (queue, dlq) = new_queue(30, 2).await;
    queue.send("poison".into()).await.expect("send");

    for attempt in 1..=2 {
        let delivery = receive_one(&queue).await;
        assert_eq!(delivery.receive_count, attempt);
        queue.release(&delivery.receipt).await.expect("release");
    }
    let third = queue
        .receive(10, Duration::from_secs(1))
        .await
        .expect("receive");
    let dead = receive_one(&dlq).await;

    assert!(third.is_empty(), "{third:?}");
    assert_eq!(dead.body, "poison");
}
