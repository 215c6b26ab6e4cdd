//! `timeline relay` killed with SIGKILL while clients send, on its default
//! settings: a request answered 2xx is never lost, and a request that got
//! no answer, sent again by its client (as a client retries), is stored
//! once.

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use timeline_sandbox::Sandbox;
use tokio::process::Child;

use crate::common::{scratch, start_relay, templates, timeline};

const ACCOUNT: u64 = 101;
const ACCOUNT_TOKEN: &str = "relay-crash-token";
/// How many times the relay is killed.
const KILLS: usize = 4;
const BATCHES: usize = 60;
const INPUTS_PER_BATCH: usize = 5;
/// Clients sending at once.
const SENDERS: usize = 3;

/// Batch `batch`'s inputs: every other one without an `id` (the relay derives
/// it), each with a pet name of its own, so a second event for one input is
/// one event too many.
fn batch(batch: usize) -> Value {
    let inputs: Vec<Value> = (0..INPUTS_PER_BATCH)
        .map(|n| {
            let mut input = json!({"eventTemplateId": "1001298", "objectId": "5", "tokens": {"petName": format!("pet {batch}-{n}")}});
            if n % 2 == 0 {
                input["id"] = json!(format!("crash-{batch}-{n}"));
            }
            input
        })
        .collect();
    json!({ "inputs": inputs })
}

/// Starts the relay on `outbox` (`--outbox`'s value) and returns it with its URL.
async fn relay_on(outbox: &str, tokens: &Path, sandbox: &Sandbox) -> (Child, String) {
    start_relay(
        timeline()
            .args(["relay", "--listen", "127.0.0.1:0", "--hubspot-base-url", sandbox.url(), "--outbox", outbox])
            .arg("--tokens")
            .arg(tokens)
            .stderr(Stdio::null())
            .kill_on_drop(true),
    )
    .await
}

/// What the clients still have to send, and what the relay acknowledged.
#[derive(Default)]
struct Ledger {
    unsent: VecDeque<usize>,
    acknowledged: BTreeSet<usize>,
}

/// `SENDERS` clients taking batches from the ledger until it is empty or
/// the relay stops answering; a batch that got no 2xx answer goes back.
async fn send_until_gone(url: &str, ledger: &Arc<Mutex<Ledger>>) {
    let senders = (0..SENDERS).map(|_| {
        let (url, ledger) = (url.to_owned(), ledger.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            loop {
                let Some(next) = ledger.lock().unwrap().unsent.pop_front() else { return };
                let answer = http
                    .post(format!("{url}/integrators/timeline/v3/events/batch/create"))
                    .bearer_auth(ACCOUNT_TOKEN)
                    .json(&batch(next))
                    .send()
                    .await;
                let mut ledger = ledger.lock().unwrap();
                match answer {
                    Ok(answer) if answer.status().is_success() => {
                        ledger.acknowledged.insert(next);
                    }
                    _ => {
                        ledger.unsent.push_front(next);
                        return;
                    }
                }
            }
        })
    });
    for sender in senders.collect::<Vec<_>>() {
        sender.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_relay_killed_while_clients_send_loses_no_acknowledged_event_and_stores_none_twice() {
    let dir = scratch("relay-crash");
    killed_while_clients_send(&dir, &format!("sqlite:{}", dir.join("outbox.sqlite").display())).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_relay_on_postgres_killed_while_clients_send_loses_no_acknowledged_event_and_stores_none_twice() {
    let Some(db) = timeline_testkit::TestDb::new("timeline-cli relay crash").await else { return };
    killed_while_clients_send(&scratch("relay-crash-postgres"), db.url()).await;
}

/// The relay on `outbox`, killed [`KILLS`] times while [`SENDERS`] clients
/// send, then started once more: every batch lands once.
async fn killed_while_clients_send(dir: &Path, outbox: &str) {
    let sandbox = Sandbox::builder()
        .templates(templates())
        .account_token(ACCOUNT, ACCOUNT_TOKEN)
        .no_rate_limit()
        .latency(Duration::from_millis(40))
        .start()
        .await
        .unwrap();
    let tokens = dir.join("tokens.json");
    std::fs::write(&tokens, json!({ ACCOUNT.to_string(): ACCOUNT_TOKEN }).to_string()).unwrap();
    let ledger = Arc::new(Mutex::new(Ledger { unsent: (0..BATCHES).collect(), ..Ledger::default() }));

    for _ in 0..KILLS {
        let (mut relay, url) = relay_on(outbox, &tokens, &sandbox).await;
        let sending = {
            let ledger = ledger.clone();
            tokio::spawn(async move { send_until_gone(&url, &ledger).await })
        };
        // Killed as soon as this relay acknowledged a batch: the clients are
        // mid-send, whatever the machine's speed.
        let before = ledger.lock().unwrap().acknowledged.len();
        let give_up = tokio::time::Instant::now() + Duration::from_secs(60);
        while ledger.lock().unwrap().acknowledged.len() == before {
            assert!(tokio::time::Instant::now() < give_up, "the relay acknowledges a batch");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        relay.start_kill().unwrap();
        relay.wait().await.unwrap();
        sending.await.unwrap();
    }
    let killed_with = ledger.lock().unwrap().acknowledged.len();
    assert!(killed_with > 0 && killed_with < BATCHES, "the kills came while clients sent: {killed_with} acknowledged");

    let (mut relay, url) = relay_on(outbox, &tokens, &sandbox).await;
    send_until_gone(&url, &ledger).await;
    assert_eq!(ledger.lock().unwrap().acknowledged.len(), BATCHES, "the last relay acknowledges every batch");
    let expected: BTreeSet<String> =
        (0..BATCHES).flat_map(|b| (0..INPUTS_PER_BATCH).map(move |n| format!("pet {b}-{n}"))).collect();
    let give_up = tokio::time::Instant::now() + Duration::from_secs(90);
    while sandbox.events_in(ACCOUNT).len() < expected.len() {
        assert!(tokio::time::Instant::now() < give_up, "every acknowledged event lands");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored = sandbox.events_in(ACCOUNT);
    let names: BTreeSet<String> =
        stored.iter().map(|event| event.tokens.get("petName").cloned().unwrap_or_default()).collect();
    assert_eq!(names, expected, "every input sent is stored");
    assert_eq!(stored.len(), expected.len(), "and none twice");
    relay.start_kill().unwrap();
    relay.wait().await.unwrap();
}
