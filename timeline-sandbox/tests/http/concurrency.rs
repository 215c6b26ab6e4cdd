//! Many clients at once: no event is lost or duplicated, and every delivery
//! is counted.

use std::collections::HashSet;

use timeline_sandbox::DuplicateIds;

use crate::common::{PET, batch, batch_as, builder, pet, status_and_json};

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
    assert!(events.iter().all(|event| event.event_template_id == PET));
    let received = sandbox.received_counts();
    assert_eq!(received.len(), CLIENTS * BATCHES * INPUTS);
    for client in 0..CLIENTS {
        for number in 0..BATCHES {
            for input in 0..INPUTS {
                let id = format!("c{client}-b{number}-i{input}");
                assert!(ids.contains(id.as_str()), "{id} was not stored");
                let sent = if number == 0 { 2 } else { 1 };
                assert_eq!(received.get(&(PET.to_owned(), id.clone())), Some(&sent), "{id} received");
            }
        }
    }
    let stats = sandbox.stats();
    assert_eq!(stats.inputs_stored as usize, CLIENTS * BATCHES * INPUTS);
    assert_eq!(stats.inputs_identical as usize, CLIENTS * INPUTS);
    assert_eq!(stats.requests as usize, CLIENTS * (BATCHES + 1));
    assert_eq!(stats.status_count(201) as usize, CLIENTS * (BATCHES + 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_of_one_id_store_it_once_and_refuse_the_rest_under_reject() {
    let sandbox = std::sync::Arc::new(builder().duplicate_ids(DuplicateIds::Reject).start().await.unwrap());
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let sandbox = sandbox.clone();
        tasks.spawn(async move {
            let inputs = vec![pet("shared"), pet(&format!("own-{client}"))];
            let (status, body) = status_and_json(batch(&sandbox, inputs).await).await;
            let created = body["results"].as_array().unwrap().iter().filter(|result| result["id"] == "shared").count();
            (status, created)
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        answers.push(done.unwrap());
    }

    let created: usize = answers.iter().map(|(_, created)| created).sum();
    assert_eq!(created, 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|(status, _)| *status == 207).count(), CLIENTS - 1, "{answers:?}");
    assert_eq!(sandbox.events().len(), CLIENTS + 1);
    assert_eq!(sandbox.received(PET, "shared"), CLIENTS as u64);
}
