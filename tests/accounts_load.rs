//! Fifty accounts sending at once through one app, each under its own
//! scaled-down limit in the sandbox: the budgets keep every account inside
//! its window (no 429 anywhere), and every event is stored once, in its own
//! account only.

mod common;

use hubspot_timeline::Client;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use hubspot_timeline::accounts::MemoryTokenStore;
use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::{App, SendAll};
use timeline_sandbox::Sandbox;

const CLIENT_ID: &str = "load-client-id";
const CLIENT_SECRET: &str = "load-client-secret";

const ACCOUNTS: u64 = 50;
const FIRST_ACCOUNT: u64 = 7_000_001;

/// Each account's limit in the sandbox and in the app: a short window, so a
/// few windows pass in a test.
const REQUESTS_PER_WINDOW: u32 = 4;
const WINDOW: Duration = Duration::from_millis(250);

/// Per account: AccountId::new(12) batches of 5, three windows' worth of requests, with
/// room for twice a window's requests in flight, so only the budget keeps an
/// account inside its window.
const EVENTS_PER_ACCOUNT: usize = 60;
const BATCH_SIZE: usize = 5;

/// The adoptions of `account`: contact ids and event ids that name the account,
/// so a stored event tells which account sent it.
fn adoptions_of(account: u64) -> Vec<PetAdopted> {
    (0..EVENTS_PER_ACCOUNT)
        .map(|n| {
            let mut event = adoption(n);
            event.contact_id = account * 1_000 + n as u64;
            event.adoption_id = format!("{account}-{n}");
            event
        })
        .collect()
}

/// A sandbox with the fifty accounts under their scaled-down limit, and an
/// app holding valid tokens of each (so no renewal), paced to the same limit.
async fn fifty_accounts() -> (Sandbox, App, Vec<u64>) {
    let sandbox = Sandbox::builder()
        .templates(templates())
        .oauth_client(CLIENT_ID, CLIENT_SECRET)
        .rate_limit(timeline_sandbox::RateLimit::new(REQUESTS_PER_WINDOW, WINDOW))
        .start()
        .await
        .unwrap();
    let store = Arc::new(MemoryTokenStore::new());
    let accounts: Vec<u64> = (FIRST_ACCOUNT..FIRST_ACCOUNT + ACCOUNTS).collect();
    store_granted(&sandbox, &store, accounts.iter().copied());
    let app = App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::clone(&store) as Arc<_>)
        .client(
            Client::builder()
                .base_url(sandbox.url())
                .retry(fast_retry())
                .batch_size(BATCH_SIZE)
                .max_in_flight(2 * REQUESTS_PER_WINDOW as usize)
                .rate_limit(RateLimit::new(REQUESTS_PER_WINDOW, WINDOW)),
        )
        .build()
        .unwrap();
    (sandbox, app, accounts)
}

#[tokio::test]
async fn fifty_accounts_at_once_stay_inside_their_windows_and_land_in_their_own_account() {
    let (sandbox, app, accounts) = fifty_accounts().await;

    // Every account sends from its own task, as the replicas of a service do.
    let tasks: Vec<_> = accounts
        .iter()
        .map(|&account| {
            let client = app.account(account);
            tokio::spawn(async move { adoptions_of(account).send_all(&client).await })
        })
        .collect();
    for (task, account) in tasks.into_iter().zip(&accounts) {
        let report = task.await.unwrap().unwrap();
        assert_eq!(report.created_count(), EVENTS_PER_ACCOUNT, "account {account}: {:?}", report.failed());
    }

    let stats = sandbox.stats();
    assert_eq!(stats.rate_limited, 0, "no account went over its window");
    assert_eq!(stats.status_count(429), 0);
    assert_eq!(stats.inputs_stored, ACCOUNTS * EVENTS_PER_ACCOUNT as u64);
    assert!(stats.token_requests.is_empty(), "valid stored tokens need no renewal: {:?}", stats.token_requests);
    for &account in &accounts {
        let contacts: BTreeSet<u64> = sandbox
            .events_in(account)
            .iter()
            .map(|event| {
                event.object_id.as_deref().and_then(|id| id.parse::<u64>().ok()).expect("a numeric contact id") / 1_000
            })
            .collect();
        assert_eq!(contacts, BTreeSet::from([account]), "account {account} holds its own events only");
        let own = sandbox.account_stats(account);
        assert_eq!(own.inputs_stored, EVENTS_PER_ACCOUNT as u64, "account {account}");
        assert_eq!(own.requests, (EVENTS_PER_ACCOUNT / BATCH_SIZE) as u64, "account {account}: one request per batch");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_fan_out_keeps_fifty_accounts_inside_their_windows() {
    let (sandbox, app, accounts) = fifty_accounts().await;

    // Interleaved, as a service's events arrive: account after account.
    let pairs: Vec<(u64, PetAdopted)> = (0..EVENTS_PER_ACCOUNT)
        .flat_map(|n| accounts.iter().map(move |&account| (account, adoptions_of(account).swap_remove(n))))
        .collect();
    let report = app.send_all(pairs).await.unwrap();
    assert_eq!(report.created_count(), (ACCOUNTS as usize) * EVENTS_PER_ACCOUNT, "{:?}", report.failed());
    for created in report.created() {
        let account = created.account.expect("an account client's outcome names its account");
        assert!(created.id.starts_with(&format!("{account}-")), "{} reported for account {account}", created.id);
    }

    let stats = sandbox.stats();
    assert_eq!((stats.rate_limited, stats.status_count(429)), (0, 0), "no account went over its window");
    for &account in &accounts {
        let stored: BTreeSet<String> = sandbox.events_in(account).into_iter().map(|event| event.id).collect();
        let sent: BTreeSet<String> = adoptions_of(account).into_iter().map(|event| event.adoption_id).collect();
        assert_eq!(stored, sent, "account {account} holds exactly its own events");
    }
    sandbox.shutdown().await;
}
