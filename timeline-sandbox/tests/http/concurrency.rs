//! Many clients at once: no event is lost or duplicated.

use std::collections::HashSet;

use crate::common::{PET, batch_as, builder, pet};

const CLIENTS: usize = 16;
const BATCHES: usize = 8;
const INPUTS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_lose_and_duplicate_nothing() {
    let sandbox = std::sync::Arc::new(builder().start().await.unwrap());
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let sandbox = sandbox.clone();
        tasks.spawn(async move {
            let http = reqwest::Client::new();
            let token = format!("client-{client}");
            let batch_of = |number: usize| -> Vec<serde_json::Value> {
                (0..INPUTS).map(|input| pet(&format!("c{client}-b{number}-i{input}"))).collect()
            };
            for number in 0..BATCHES {
                let status = batch_as(&http, &sandbox, &token, batch_of(number)).await;
                assert_eq!(status, 201);
            }
            let status = batch_as(&http, &sandbox, &token, batch_of(0)).await;
            assert_eq!(status, 201);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }

    let events = sandbox.events();
    assert_eq!(events.len(), CLIENTS * BATCHES * INPUTS);
    let ids: HashSet<&str> = events.iter().map(|event| event.id.as_str()).collect();
    assert_eq!(ids.len(), events.len());
    for client in 0..CLIENTS {
        for number in 0..BATCHES {
            for input in 0..INPUTS {
                assert!(ids.contains(format!("c{client}-b{number}-i{input}").as_str()));
            }
        }
    }
    assert!(events.iter().all(|event| event.event_template_id == PET));
    let stats = sandbox.stats();
    assert_eq!(stats.inputs_stored as usize, CLIENTS * (BATCHES + 1) * INPUTS);
    assert_eq!(stats.requests as usize, CLIENTS * (BATCHES + 1));
    assert_eq!(stats.status_count(201) as usize, CLIENTS * (BATCHES + 1));
}
