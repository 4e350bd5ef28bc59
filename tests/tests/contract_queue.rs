//! The queue contract, run against the in-process queue and against SQS (served by a moto
//! emulator started by each test).

use tiketi_tests::contract::queue::{MAX_RECEIVES, VISIBILITY};

mod in_process {
    use super::*;
    use tiketi_adapters::memory_queue::InProcessQueue;

    async fn make() -> (InProcessQueue, InProcessQueue, ()) {
        let queue = InProcessQueue::new(VISIBILITY, MAX_RECEIVES);
        let dead = queue
            .dead_letter_queue()
            .expect("a dead-letter queue")
            .clone();
        (queue, dead, ())
    }

    tiketi_tests::queue_contract!(make());
}

mod sqs {
    use super::*;
    use tiketi_adapters::sqs::{SqsQueue, create_queue_with_dlq};
    use tiketi_tests::moto::{Moto, unique_name};

    async fn make() -> (SqsQueue, SqsQueue, Moto) {
        let moto = Moto::start().await;
        let client = moto.sqs().await;
        let name = unique_name("issue");
        let (url, dlq_url) =
            create_queue_with_dlq(&client, &name, VISIBILITY.as_secs() as u32, MAX_RECEIVES)
                .await
                .unwrap();
        (
            SqsQueue::new(client.clone(), url).with_dead_letter_queue(Some(dlq_url.clone())),
            SqsQueue::new(client, dlq_url),
            moto,
        )
    }

    tiketi_tests::queue_contract!(make());
}
