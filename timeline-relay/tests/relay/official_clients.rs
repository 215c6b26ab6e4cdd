//! HubSpot's official clients, unchanged but for their base URL, send
//! batches through the relay to a HubSpot that fails some requests (503s,
//! connections closed after storing) and holds each account to a tight
//! rolling limit: every event they sent is stored once, in its own account,
//! and no 429 (nor any error) reaches them.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use timeline_sandbox::{Fault, Faults, RateLimit};
use timeline_testkit::{BatchOutcome, OfficialClient, OfficialClients};

use crate::common::{ACCOUNT, OTHER_ACCOUNT, OTHER_TOKEN, PET, Setup, TOKEN, start, wait_for};

const BATCHES: usize = 6;
const INPUTS_PER_BATCH: usize = 10;

/// `client`'s batches: valid pet inputs, every other one without an `id`
/// (the relay derives it), so a second event for one input would show as
/// one event too many.
fn batches(client: &str) -> Value {
    let batches: Vec<Vec<Value>> = (0..BATCHES)
        .map(|batch| {
            (0..INPUTS_PER_BATCH)
                .map(|n| {
                    let mut input = json!({
                        "eventTemplateId": PET,
                        "objectId": "5120345",
                        "timestamp": "2026-05-04T09:15:00.000Z",
                        "tokens": {"petName": format!("{client} {batch}-{n}"), "petAge": "3",
                                   "adoptedOn": "1777886100000", "breed": "lab"}
                    });
                    if n % 2 == 0 {
                        input["id"] = json!(format!("{client}-{batch}-{n}"));
                    }
                    input
                })
                .collect()
        })
        .collect();
    json!(batches)
}

/// Every batch's answer is one the client takes as a success (it raised
/// nothing): 201, or 207 (with `status: PENDING` while on its way).
fn assert_all_taken(client: &str, outcomes: &[BatchOutcome]) {
    let refused: Vec<&BatchOutcome> = outcomes
        .iter()
        .filter(|outcome| outcome.message.is_some() || !matches!(outcome.status, Some(201 | 207)))
        .collect();
    assert!(refused.is_empty(), "{client}: every batch is taken as a success: {refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn official_clients_through_the_relay_store_every_event_once_and_never_see_a_429() {
    let Some(clients) = OfficialClients::install() else { return };
    // The first requests meet each fault for sure; later ones at random.
    let faults = Faults::seeded(22)
        .schedule([Fault::Status(503), Fault::CloseAfterStore, Fault::Status(503), Fault::CloseAfterStore])
        .share(0.15, Fault::Status(503))
        .share(0.1, Fault::CloseAfterStore);
    let harness = start(Setup {
        checked: true,
        rate_limit: Some(RateLimit::new(4, Duration::from_secs(1))),
        faults: Some(faults),
        ..Setup::default()
    })
    .await;
    let send = |client: OfficialClient, token: &'static str, name: &'static str| {
        let (clients, url, batches) = (clients.clone(), harness.url.clone(), batches(name).to_string());
        tokio::task::spawn_blocking(move || clients.send_batches(client, &url, token, &batches, 3))
    };
    let node = send(OfficialClient::Node, TOKEN, "node");
    let python = send(OfficialClient::Python, OTHER_TOKEN, "python");
    let (node, python) = (node.await.unwrap(), python.await.unwrap());

    for (client, outcomes) in [("node", &node), ("python", &python)] {
        assert_eq!(outcomes.len(), BATCHES, "{client}: {outcomes:?}");
        assert_all_taken(client, outcomes);
    }
    let sent = BATCHES * INPUTS_PER_BATCH;
    for (account, name) in [(ACCOUNT, "node"), (OTHER_ACCOUNT, "python")] {
        wait_for(&format!("{name}'s events in account {account}"), || async {
            harness.sandbox.events_in(account).len() >= sent
        })
        .await;
        let stored = harness.sandbox.events_in(account);
        let names: BTreeSet<String> =
            stored.iter().map(|event| event.tokens.get("petName").cloned().unwrap_or_default()).collect();
        assert_eq!(stored.len(), sent, "account {account}: one event per input sent, no second one");
        assert_eq!(names.len(), sent, "account {account}: every input's own event");
        assert!(
            names.iter().all(|pet| pet.starts_with(name)),
            "account {account} holds only {name}'s events: {names:?}"
        );
    }
    assert!(harness.sandbox.stats().status_count(503) >= 2, "the faults were met");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn official_clients_take_the_relays_pending_answer_as_a_success() {
    let Some(clients) = OfficialClients::install() else { return };
    // No wait at all: every batch is answered as soon as it is stored.
    let harness = start(Setup { checked: true, ack_wait: Some(Duration::ZERO), ..Setup::default() }).await;
    for (client, token, name, account) in
        [(OfficialClient::Node, TOKEN, "node", ACCOUNT), (OfficialClient::Python, OTHER_TOKEN, "python", OTHER_ACCOUNT)]
    {
        let (clients, url, batches) = (clients.clone(), harness.url.clone(), batches(name).to_string());
        let outcomes =
            tokio::task::spawn_blocking(move || clients.send_batches(client, &url, token, &batches, 3)).await.unwrap();
        assert_eq!(outcomes.len(), BATCHES, "{name}: {outcomes:?}");
        assert_all_taken(name, &outcomes);
        wait_for(&format!("{name}'s events"), || async {
            harness.sandbox.events_in(account).len() >= BATCHES * INPUTS_PER_BATCH
        })
        .await;
    }
}
