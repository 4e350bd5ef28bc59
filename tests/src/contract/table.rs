//! The `Table` contract (see `tiketi_core::ports::table::Table`).

use serde_json::{Value, json};
use tiketi_core::ports::table::{
    Change, Condition, Index, Item, Key, Query, Table, TableError, Write,
};

fn item(pk: &str, sk: &str, extra: Value) -> Item {
    let mut map = serde_json::Map::new();
    map.insert("pk".into(), pk.into());
    map.insert("sk".into(), sk.into());
    if let Value::Object(extra) = extra {
        map.extend(extra);
    }
    Item(map)
}

pub async fn put_then_get_round_trips_every_value_kind<T: Table>(table: &T) {
    let stored = item(
        "P#1",
        "A",
        json!({"s": "text ✓", "n": 9_007_199_254_740_993_i64, "neg": -5, "b": true, "z": null,
               "list": [1, "two", {"three": 3}], "map": {"inner": {"deep": "x"}}, "empty": ""}),
    );
    table.write(Write::put(stored.clone())).await.unwrap();
    let read = table
        .get(&Key::new("P#1", "A"))
        .await
        .unwrap()
        .expect("item stored");
    assert_eq!(read, stored);
    assert_eq!(table.get(&Key::new("P#1", "B")).await.unwrap(), None);
    // The eventually consistent read gives the same item (at once here: SQLite is always
    // consistent, and so is the emulator; on DynamoDB it may lag for about a second).
    let eventually = table.get_eventually(&Key::new("P#1", "A")).await.unwrap();
    assert_eq!(eventually, Some(stored));
    assert_eq!(
        table.get_eventually(&Key::new("P#1", "B")).await.unwrap(),
        None
    );
}

pub async fn conditional_put_refuses_an_existing_key<T: Table>(table: &T) {
    table
        .write(Write::put_new(item("P#2", "A", json!({"v": 1}))))
        .await
        .unwrap();
    let again = table
        .write(Write::put_new(item("P#2", "A", json!({"v": 2}))))
        .await;
    assert!(
        matches!(again, Err(TableError::ConditionFailed { index: 0 })),
        "{again:?}"
    );
    let read = table.get(&Key::new("P#2", "A")).await.unwrap().unwrap();
    assert_eq!(read.int("v"), Some(1), "the failed write changed nothing");
}

pub async fn update_sets_removes_and_counts<T: Table>(table: &T) {
    let key = Key::new("P#3", "COUNTER");
    for _ in 0..3 {
        let write = Write::Update {
            key: key.clone(),
            changes: vec![
                ("hits".into(), Change::Add(2)),
                ("label".into(), Change::Set("x".into())),
            ],
            condition: None,
        };
        table.write(write).await.unwrap();
    }
    let read = table.get(&key).await.unwrap().unwrap();
    assert_eq!(read.int("hits"), Some(6));
    assert_eq!(read.str("label"), Some("x"));
    assert_eq!(
        read.str("pk"),
        Some("P#3"),
        "an update creates the item with its key"
    );
    let remove = Write::Update {
        key: key.clone(),
        changes: vec![("label".into(), Change::Remove)],
        condition: None,
    };
    table.write(remove).await.unwrap();
    assert_eq!(table.get(&key).await.unwrap().unwrap().str("label"), None);

    // Whole maps and lists are set as values, and read back as written.
    let nested = json!({"interface": "bridge", "ports": [1, 2], "note": "a \"quoted\" $x"});
    let write = Write::Update {
        key: key.clone(),
        changes: vec![("hotspot".into(), Change::Set(nested.clone()))],
        condition: Some(Condition::Exists),
    };
    table.write(write).await.unwrap();
    let read = table.get(&key).await.unwrap().unwrap();
    assert_eq!(read.0.get("hotspot"), Some(&nested));
    assert_eq!(read.int("hits"), Some(6), "other attributes are kept");
}

/// A counter taken with `ADD` under `CountBelow` stops at its limit, item absent or not.
pub async fn counters_stop_at_their_limit<T: Table>(table: &T) {
    let key = Key::new("P#RATE", "WINDOW");
    let take = || Write::Update {
        key: key.clone(),
        changes: vec![("n".into(), Change::Add(1))],
        condition: Some(Condition::CountBelow {
            attribute: "n".into(),
            limit: 3,
        }),
    };
    for _ in 0..3 {
        table.write(take()).await.unwrap();
    }
    assert!(matches!(
        table.write(take()).await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    let stored = table.get(&key).await.unwrap().unwrap();
    assert_eq!(stored.int("n"), Some(3));
    // Inside a transaction, and on an item that exists without the counter.
    table
        .write(Write::put(item("P#RATE", "OTHER", json!({"x": 1}))))
        .await
        .unwrap();
    let other = Write::Update {
        key: Key::new("P#RATE", "OTHER"),
        changes: vec![("n".into(), Change::Add(1))],
        condition: Some(Condition::CountBelow {
            attribute: "n".into(),
            limit: 1,
        }),
    };
    table.transact(vec![other.clone()]).await.unwrap();
    assert!(matches!(
        table.transact(vec![other]).await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
}

pub async fn conditions_on_attributes_guard_updates<T: Table>(table: &T) {
    table
        .write(Write::put(item(
            "P#4",
            "ORDER",
            json!({"status": "PENDING"}),
        )))
        .await
        .unwrap();
    let key = Key::new("P#4", "ORDER");
    let pay = |from: &str| Write::Update {
        key: key.clone(),
        changes: vec![("status".into(), Change::Set("PAID".into()))],
        condition: Some(Condition::AttrIn {
            attribute: "status".into(),
            values: vec![from.into(), "FAILED".into()],
        }),
    };
    table.write(pay("PENDING")).await.unwrap();
    assert!(matches!(
        table.write(pay("PENDING")).await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    let absent = |name: &str| Write::Update {
        key: key.clone(),
        changes: vec![("voucher".into(), Change::Set("V1".into()))],
        condition: Some(Condition::All(vec![
            Condition::attr_eq("status", "PAID"),
            Condition::AttrAbsent(name.into()),
        ])),
    };
    table.write(absent("voucher")).await.unwrap();
    assert!(matches!(
        table.write(absent("voucher")).await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    let missing = Write::Update {
        key: Key::new("P#4", "NOPE"),
        changes: vec![("x".into(), Change::Set(1.into()))],
        condition: Some(Condition::attr_eq("status", "PAID")),
    };
    assert!(matches!(
        table.write(missing).await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
    assert_eq!(table.get(&Key::new("P#4", "NOPE")).await.unwrap(), None);
    let exists = Write::Delete {
        key: Key::new("P#4", "NOPE"),
        condition: Some(Condition::Exists),
    };
    assert!(matches!(
        table.write(exists).await,
        Err(TableError::ConditionFailed { index: 0 })
    ));
}

pub async fn transactions_apply_all_or_nothing<T: Table>(table: &T) {
    table
        .write(Write::put(item("P#5", "TAKEN", json!({}))))
        .await
        .unwrap();
    let writes = vec![
        Write::put_new(item("P#5", "A", json!({}))),
        Write::Update {
            key: Key::new("P#5", "COUNT"),
            changes: vec![("n".into(), Change::Add(1))],
            condition: None,
        },
        Write::put_new(item("P#5", "TAKEN", json!({"overwritten": true}))),
    ];
    let result = table.transact(writes).await;
    assert!(
        matches!(result, Err(TableError::ConditionFailed { index: 2 })),
        "{result:?}"
    );
    assert_eq!(table.get(&Key::new("P#5", "A")).await.unwrap(), None);
    assert_eq!(table.get(&Key::new("P#5", "COUNT")).await.unwrap(), None);
    assert_eq!(
        table
            .get(&Key::new("P#5", "TAKEN"))
            .await
            .unwrap()
            .unwrap()
            .0
            .get("overwritten"),
        None
    );

    let writes = vec![
        Write::put_new(item("P#5", "A", json!({}))),
        Write::Update {
            key: Key::new("P#5", "COUNT"),
            changes: vec![("n".into(), Change::Add(1))],
            condition: None,
        },
        Write::Check {
            key: Key::new("P#5", "TAKEN"),
            condition: Condition::Exists,
        },
        Write::Delete {
            key: Key::new("P#5", "TAKEN2"),
            condition: None,
        },
    ];
    table.transact(writes).await.unwrap();
    assert!(table.get(&Key::new("P#5", "A")).await.unwrap().is_some());
    assert_eq!(
        table
            .get(&Key::new("P#5", "COUNT"))
            .await
            .unwrap()
            .unwrap()
            .int("n"),
        Some(1)
    );
}

pub async fn transactions_refuse_bad_shapes<T: Table>(table: &T) {
    let twice = vec![
        Write::put(item("P#6", "A", json!({}))),
        Write::put(item("P#6", "A", json!({}))),
    ];
    assert!(matches!(
        table.transact(twice).await,
        Err(TableError::Invalid(_))
    ));
    assert!(matches!(
        table.transact(Vec::new()).await,
        Err(TableError::Invalid(_))
    ));
    let too_many = (0..101)
        .map(|i| Write::put(item("P#6", &format!("{i:03}"), json!({}))))
        .collect();
    assert!(matches!(
        table.transact(too_many).await,
        Err(TableError::Invalid(_))
    ));
    assert_eq!(table.get(&Key::new("P#6", "A")).await.unwrap(), None);
}

pub async fn concurrent_conditional_writes_have_one_winner<T: Table + Clone>(table: &T) {
    table
        .write(Write::put(item(
            "P#7",
            "ORDER",
            json!({"status": "PENDING"}),
        )))
        .await
        .unwrap();
    let attempts = (0..20).map(|i| {
        let table = table.clone();
        async move {
            let write = Write::Update {
                key: Key::new("P#7", "ORDER"),
                changes: vec![
                    ("status".into(), Change::Set("PAID".into())),
                    ("by".into(), Change::Set(i.into())),
                ],
                condition: Some(Condition::attr_eq("status", "PENDING")),
            };
            table
                .transact(vec![
                    write,
                    Write::put_new(item("P#7", &format!("EVENT#{i:02}"), json!({}))),
                ])
                .await
        }
    });
    let results = futures::future::join_all(attempts).await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{results:?}");
    for result in results.iter().filter(|r| r.is_err()) {
        assert!(
            matches!(
                result,
                Err(TableError::ConditionFailed { index: 0 } | TableError::Conflict)
            ),
            "{result:?}"
        );
    }
    let events = table
        .query(&Query::partition(Index::Primary, "P#7").begins_with("EVENT#"))
        .await
        .unwrap();
    assert_eq!(events.items.len(), 1, "losers wrote nothing");
}

pub async fn queries_read_one_partition_in_order<T: Table>(table: &T) {
    for sk in ["B#2", "A#1", "B#1", "C#1", "B#3"] {
        table
            .write(Write::put(item("P#8", sk, json!({}))))
            .await
            .unwrap();
    }
    table
        .write(Write::put(item("P#8X", "B#9", json!({}))))
        .await
        .unwrap();
    let sks = |page: tiketi_core::ports::table::Page| -> Vec<String> {
        page.items
            .iter()
            .map(|i| i.str("sk").unwrap().to_owned())
            .collect()
    };
    let all = table
        .query(&Query::partition(Index::Primary, "P#8"))
        .await
        .unwrap();
    assert_eq!(sks(all), ["A#1", "B#1", "B#2", "B#3", "C#1"]);
    let b = table
        .query(&Query::partition(Index::Primary, "P#8").begins_with("B#"))
        .await
        .unwrap();
    assert_eq!(sks(b), ["B#1", "B#2", "B#3"]);
    let b_desc = table
        .query(
            &Query::partition(Index::Primary, "P#8")
                .begins_with("B#")
                .descending(),
        )
        .await
        .unwrap();
    assert_eq!(sks(b_desc), ["B#3", "B#2", "B#1"]);
    let between = table
        .query(&Query::partition(Index::Primary, "P#8").between("A#1", "B#2"))
        .await
        .unwrap();
    assert_eq!(sks(between), ["A#1", "B#1", "B#2"]);
    // An empty lower bound (listings read "everything up to the cursor") is below every key.
    let up_to = table
        .query(
            &Query::partition(Index::Primary, "P#8")
                .between("", "B#1")
                .descending(),
        )
        .await
        .unwrap();
    assert_eq!(sks(up_to), ["B#1", "A#1"]);
}

pub async fn pages_cover_every_item_once<T: Table>(table: &T) {
    let items: Vec<Item> = (0..23)
        .map(|i| {
            // Index range keys are unique, as `store::keys` makes them (`<time>#<id>`).
            let range = format!("{:03}#{i:03}", i % 5);
            item(
                "P#9",
                &format!("ITEM#{i:03}"),
                json!({"gsi1pk": "G#9", "gsi1sk": range, "i": i}),
            )
        })
        .collect();
    table.batch_put(items).await.unwrap();
    for index in [Index::Primary, Index::Gsi1] {
        let partition = if index == Index::Primary {
            "P#9"
        } else {
            "G#9"
        };
        for ascending in [true, false] {
            let mut query = Query::partition(index, partition).limit(4);
            query.ascending = ascending;
            let mut seen = Vec::new();
            for _ in 0..20 {
                let page = table.query(&query).await.unwrap();
                assert!(page.items.len() <= 4);
                seen.extend(page.items.iter().map(|i| i.int("i").unwrap()));
                match page.next {
                    Some(next) => query.after = Some(next),
                    None => break,
                }
            }
            let mut sorted = seen.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..23).collect::<Vec<_>>(),
                "{index:?} ascending={ascending}"
            );
        }
    }
}

pub async fn secondary_indexes_follow_their_attributes<T: Table>(table: &T) {
    for index in Index::SECONDARY {
        let (hash, range) = index.attributes();
        let other = Index::SECONDARY.into_iter().find(|i| *i != index).unwrap();
        let orders = [
            ("O1", "PENDING", "2026-01-01"),
            ("O2", "PAID", "2026-01-02"),
            ("O3", "PENDING", "2026-01-03"),
        ];
        let pk = |id: &str| format!("{hash}#ORDER#{id}");
        for (id, status, at) in orders {
            let mut extra = serde_json::Map::new();
            extra.insert(hash.into(), format!("{hash}:OPS#{status}").into());
            extra.insert(range.into(), format!("{at}#{id}").into());
            table
                .write(Write::put(item(&pk(id), "ORDER", Value::Object(extra))))
                .await
                .unwrap();
        }
        let query = |partition: &str| Query::partition(index, partition);
        let pending = table
            .query(&query(&format!("{hash}:OPS#PENDING")))
            .await
            .unwrap();
        let ids: Vec<_> = pending
            .items
            .iter()
            .map(|i| i.str("pk").unwrap().to_owned())
            .collect();
        assert_eq!(ids, [pk("O1"), pk("O3")], "{index:?}");
        let early = table
            .query(&query(&format!("{hash}:OPS#PENDING")).between("0", "2026-01-02~"))
            .await
            .unwrap();
        assert_eq!(early.items.len(), 1, "{index:?}");
        let move_o1 = Write::Update {
            key: Key::new(pk("O1"), "ORDER"),
            changes: vec![(hash.into(), Change::Set(format!("{hash}:OPS#PAID").into()))],
            condition: None,
        };
        table.write(move_o1).await.unwrap();
        assert_eq!(
            table
                .query(&query(&format!("{hash}:OPS#PAID")))
                .await
                .unwrap()
                .items
                .len(),
            2,
            "{index:?}"
        );
        let drop_index = Write::Update {
            key: Key::new(pk("O3"), "ORDER"),
            changes: vec![(hash.into(), Change::Remove)],
            condition: None,
        };
        table.write(drop_index).await.unwrap();
        assert!(
            table
                .query(&query(&format!("{hash}:OPS#PENDING")))
                .await
                .unwrap()
                .items
                .is_empty(),
            "{index:?}"
        );
        let elsewhere = table
            .query(&Query::partition(other, format!("{hash}:OPS#PAID")))
            .await
            .unwrap();
        assert!(
            elsewhere.items.is_empty(),
            "{index:?} entries stay in their own index"
        );
    }
}

pub async fn deletes_remove_items<T: Table>(table: &T) {
    table
        .write(Write::put(item("P#10", "A", json!({}))))
        .await
        .unwrap();
    table
        .write(Write::Delete {
            key: Key::new("P#10", "A"),
            condition: Some(Condition::Exists),
        })
        .await
        .unwrap();
    assert_eq!(table.get(&Key::new("P#10", "A")).await.unwrap(), None);
    table
        .write(Write::Delete {
            key: Key::new("P#10", "A"),
            condition: None,
        })
        .await
        .unwrap();
}

/// Generates one test per contract function for an adapter. `$make` is an async block
/// evaluating to `(table, guard)`; the guard (e.g. a moto server) lives until the test ends.
#[macro_export]
macro_rules! table_contract {
    ($make:expr) => {
        $crate::table_contract!(@tests $make;
            put_then_get_round_trips_every_value_kind,
            conditional_put_refuses_an_existing_key,
            update_sets_removes_and_counts,
            conditions_on_attributes_guard_updates,
            counters_stop_at_their_limit,
            transactions_apply_all_or_nothing,
            transactions_refuse_bad_shapes,
            concurrent_conditional_writes_have_one_winner,
            queries_read_one_partition_in_order,
            pages_cover_every_item_once,
            secondary_indexes_follow_their_attributes,
            deletes_remove_items,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (table, _guard) = $make.await;
                $crate::contract::table::$name(&table).await;
            }
        )*
    };
}
