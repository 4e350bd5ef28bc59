//! The `Queue` contract (see `tiketi_core::ports::queue::Queue`). Adapters under test are made
//! with a visibility timeout of 2 s and a dead-letter queue after 2 receptions.

use std::time::Duration;

use tiketi_core::ports::queue::Queue;

pub const VISIBILITY: Duration = Duration::from_secs(2);
pub const MAX_RECEIVES: u32 = 2;
const WAIT: Duration = Duration::from_secs(1);

async fn receive_all<Q: Queue>(
    queue: &Q,
    expected: usize,
) -> Vec<tiketi_core::ports::queue::Delivery> {
    let mut out = Vec::new();
    for _ in 0..10 {
        out.extend(queue.receive(10, WAIT).await.unwrap());
        if out.len() >= expected {
            break;
        }
    }
    out
}

pub async fn sent_messages_are_received_and_acked<Q: Queue>(queue: &Q, _dead: &Q) {
    for i in 0..3 {
        queue.send(format!("message {i}")).await.unwrap();
    }
    let got = receive_all(queue, 3).await;
    let mut bodies: Vec<_> = got.iter().map(|d| d.body.clone()).collect();
    bodies.sort();
    assert_eq!(bodies, ["message 0", "message 1", "message 2"]);
    assert!(got.iter().all(|d| d.receive_count == 1));
    for delivery in &got {
        queue.ack(&delivery.receipt).await.unwrap();
    }
    tokio::time::sleep(VISIBILITY + Duration::from_millis(500)).await;
    assert!(
        queue.receive(10, WAIT).await.unwrap().is_empty(),
        "acked messages are gone"
    );
}

pub async fn unacked_messages_come_back_after_the_visibility_timeout<Q: Queue>(
    queue: &Q,
    _dead: &Q,
) {
    queue.send("again".into()).await.unwrap();
    let first = receive_all(queue, 1).await;
    assert_eq!(first.len(), 1);
    assert!(
        queue
            .receive(10, Duration::from_millis(300))
            .await
            .unwrap()
            .is_empty(),
        "invisible while in flight"
    );
    tokio::time::sleep(VISIBILITY).await;
    let second = receive_all(queue, 1).await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].body, "again");
    assert_eq!(second[0].id, first[0].id);
    assert_eq!(second[0].receive_count, 2);
    queue.ack(&second[0].receipt).await.unwrap();
}

pub async fn released_messages_come_back_at_once<Q: Queue>(queue: &Q, _dead: &Q) {
    queue.send("retry me".into()).await.unwrap();
    let first = receive_all(queue, 1).await;
    queue.release(&first[0].receipt).await.unwrap();
    let second = receive_all(queue, 1).await;
    assert_eq!(
        second.len(),
        1,
        "released message is visible again before the timeout"
    );
    assert_eq!(second[0].body, "retry me");
    queue.ack(&second[0].receipt).await.unwrap();
}

pub async fn messages_received_too_often_go_to_the_dead_letter_queue<Q: Queue>(
    queue: &Q,
    dead: &Q,
) {
    queue.send("poison".into()).await.unwrap();
    for attempt in 1..=MAX_RECEIVES {
        let got = receive_all(queue, 1).await;
        assert_eq!(got.len(), 1, "attempt {attempt}");
        queue.release(&got[0].receipt).await.unwrap();
    }
    let mut dead_letters = Vec::new();
    for _ in 0..10 {
        assert!(
            queue
                .receive(10, Duration::from_millis(200))
                .await
                .unwrap()
                .is_empty()
        );
        dead_letters.extend(dead.receive(10, Duration::from_millis(500)).await.unwrap());
        if !dead_letters.is_empty() {
            break;
        }
    }
    assert_eq!(dead_letters.len(), 1);
    assert_eq!(dead_letters[0].body, "poison");
    let depth = queue.depth().await.unwrap();
    assert_eq!(depth.held, 0, "the poison left the queue");
    assert_eq!(
        depth.dead_letters,
        Some(1),
        "and is counted as a dead letter"
    );
}

pub async fn depth_counts_waiting_and_in_flight_messages<Q: Queue>(queue: &Q, _dead: &Q) {
    assert_eq!(queue.depth().await.unwrap().held, 0);
    queue.send("one".into()).await.unwrap();
    queue.send("two".into()).await.unwrap();
    assert_eq!(queue.depth().await.unwrap().held, 2);
    let got = receive_all(queue, 2).await;
    assert_eq!(queue.depth().await.unwrap().held, 2, "in flight still held");
    for delivery in &got {
        queue.ack(&delivery.receipt).await.unwrap();
    }
    let depth = queue.depth().await.unwrap();
    assert_eq!(depth.held, 0);
    assert_eq!(depth.dead_letters, Some(0));
}

#[macro_export]
macro_rules! queue_contract {
    ($make:expr) => {
        $crate::queue_contract!(@tests $make;
            sent_messages_are_received_and_acked,
            unacked_messages_come_back_after_the_visibility_timeout,
            released_messages_come_back_at_once,
            messages_received_too_often_go_to_the_dead_letter_queue,
            depth_counts_waiting_and_in_flight_messages,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (queue, dead, _guard) = $make.await;
                $crate::contract::queue::$name(&queue, &dead).await;
            }
        )*
    };
}
