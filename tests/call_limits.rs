//! Limits beyond one call: the bound on requests in flight shared by every
//! call of a client, and the time limits one `send_all` sets for itself.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use common::*;
use hubspot_timeline::send::{ClientBuilder, FailureReason, RetryPolicy};
use hubspot_timeline::{Client, Error, SendAll};
use tokio::sync::watch;

/// Requests the counting server holds until this many are under way at once.
const GATE: usize = 4;

/// The most requests a counting server had under way at once.
#[derive(Clone, Default)]
struct Concurrency {
    most: Arc<AtomicUsize>,
}

/// A batch-create endpoint that counts the requests under way at once and
/// answers each 201. It holds every request until [`GATE`] are under way
/// (or a quarter second passed), so that a client that can have that many
/// in flight always shows it.
async fn counting_server() -> (String, Concurrency) {
    let concurrency = Concurrency::default();
    let most = Arc::clone(&concurrency.most);
    let (under_way, watching) = watch::channel(0_usize);
    let under_way = Arc::new(under_way);
    let app = Router::new().route(
        "/integrators/timeline/v3/events/batch/create",
        post(move || {
            let (under_way, mut watching, most) = (Arc::clone(&under_way), watching.clone(), Arc::clone(&most));
            async move {
                under_way.send_modify(|count| {
                    *count += 1;
                    most.fetch_max(*count, Ordering::SeqCst);
                });
                let gate_open = watching.wait_for(|count| *count >= GATE);
                let _ = tokio::time::timeout(Duration::from_millis(250), gate_open).await;
                under_way.send_modify(|count| *count -= 1);
                StatusCode::CREATED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, concurrency)
}

/// Two `send_all` calls of 40 events in batches of 5, each allowed 4
/// requests in flight, run at once on clones of `client`; returns the most
/// requests the server had under way.
async fn two_concurrent_calls(client: ClientBuilder, url: &str, concurrency: &Concurrency) -> usize {
    let client = client.base_url(url).batch_size(5).max_in_flight(4).build().unwrap();
    let other = client.clone();
    let (first, second) = (adoptions(40), (40..80).map(adoption).collect::<Vec<_>>());
    let (first, second) = tokio::join!(first.send_all(&client), second.send_all(&other));
    for report in [first.unwrap(), second.unwrap()] {
        assert_eq!(report.created_count(), 40, "{:?}", report.failed());
    }
    concurrency.most.load(Ordering::SeqCst)
}

/// A client of no server yet, with fast retries and a pacing limit tests do not hit.
fn unpaced() -> ClientBuilder {
    Client::builder()
        .access_token(TOKEN)
        .retry(fast_retry())
        .rate_limit(hubspot_timeline::budget::RateLimit::new(100_000, Duration::from_millis(20)))
}

#[tokio::test]
async fn concurrent_calls_never_exceed_the_client_wide_bound() {
    let (url, concurrency) = counting_server().await;
    let most = two_concurrent_calls(unpaced().max_in_flight_total(3), &url, &concurrency).await;
    assert_eq!(most, 3, "the calls fill the client-wide bound of 3, and never go over it");
}

#[tokio::test]
async fn without_the_client_wide_bound_concurrent_calls_add_up() {
    let (url, concurrency) = counting_server().await;
    let most = two_concurrent_calls(unpaced(), &url, &concurrency).await;
    assert!(most >= GATE, "the server can see {GATE} requests at once, and saw only {most}");
}

#[tokio::test]
async fn a_call_can_shorten_the_attempt_limit_for_itself() {
    let sandbox = sandbox().latency(Duration::from_millis(400)).start().await.unwrap();
    let client = client_builder(&sandbox).retry(RetryPolicy::never()).build().unwrap();
    let events = adoptions(2);
    let hurried = events.iter().send_all(&client).attempt_timeout(Duration::from_millis(20)).await.unwrap();
    assert_eq!(hurried.failed_count(), 2);
    for failure in hurried.failed() {
        let FailureReason::Transport { message, .. } = &*failure.reason else { panic!("{failure:?}") };
        assert!(message.contains("20ms"), "{message}");
    }
    let patient = events.iter().send_all(&client).await.unwrap();
    assert_eq!(patient.created_count(), 2, "the client's own attempt limit is left as it was");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_call_can_set_its_own_overall_limit() {
    let sandbox = sandbox().latency(Duration::from_millis(400)).start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let stopped = adoptions(3).send_all(&client).overall_timeout(Duration::from_millis(50)).await.unwrap_err();
    assert_eq!(*stopped.cause(), Error::Deadline(Duration::from_millis(50)));
    assert_eq!(stopped.report().failed_count(), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_zero_limit_for_one_call_is_refused_before_anything_is_sent() {
    let sandbox = sandbox().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    let refused = adoptions(3).send_all(&client).attempt_timeout(Duration::ZERO).await.unwrap_err();
    assert!(matches!(refused.cause(), Error::Config { message, .. } if message.contains("attempt")), "{refused}");
    assert_eq!(refused.report().total(), 0);
    assert_eq!(sandbox.stats().requests, 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_app_bound_holds_across_its_accounts() {
    use hubspot_timeline::App;
    use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};

    let (url, concurrency) = counting_server().await;
    let store = Arc::new(MemoryTokenStore::new());
    let valid = chrono::Utc::now() + chrono::Duration::hours(1);
    for account in 1..=4 {
        store.insert(account, AccountTokens::new(format!("token-{account}"), valid, "refresh"));
    }
    let app = App::builder()
        .client_id("id")
        .client_secret("secret")
        .token_store(store)
        .client(
            Client::builder().base_url(url).retry(fast_retry()).batch_size(5).max_in_flight(4).max_in_flight_total(3),
        )
        .build()
        .unwrap();
    let events: Vec<_> = (0..80).map(|n| (1 + n as u64 % 4, adoption(n))).collect();
    let report = app.send_all(events).await.unwrap();
    assert_eq!(report.created_count(), 80, "{:?}", report.failed());
    let most = concurrency.most.load(Ordering::SeqCst);
    assert_eq!(most, 3, "four accounts of four requests each fill the app's bound of 3, and never go over it");
}

/// A batch-create endpoint that answers 201 and records each request's
/// bearer token, in the order the requests arrive.
async fn recording_server() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorder = Arc::clone(&seen);
    let app = Router::new().route(
        "/integrators/timeline/v3/events/batch/create",
        post(move |headers: axum::http::HeaderMap| {
            let recorder = Arc::clone(&recorder);
            async move {
                let bearer = headers.get("authorization").and_then(|value| value.to_str().ok()).unwrap_or_default();
                recorder.lock().unwrap().push(bearer.trim_start_matches("Bearer ").to_owned());
                StatusCode::CREATED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn a_busy_account_does_not_hold_back_a_small_one() {
    use hubspot_timeline::App;
    use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};

    let (url, seen) = recording_server().await;
    let store = Arc::new(MemoryTokenStore::new());
    let valid = chrono::Utc::now() + chrono::Duration::hours(1);
    for account in [1, 2] {
        store.insert(account, AccountTokens::new(format!("token-{account}"), valid, "refresh"));
    }
    let app = App::builder()
        .client_id("id")
        .client_secret("secret")
        .token_store(store)
        .client(
            Client::builder().base_url(url).retry(fast_retry()).batch_size(5).max_in_flight(4).max_in_flight_total(1),
        )
        .build()
        .unwrap();
    // Account 1 has 40 batches, account 2 four, all given after account 1's.
    let busy = (0..200).map(|n| (1, adoption(n)));
    let small = (200..220).map(|n| (2, adoption(n)));
    let report = app.send_all(busy.chain(small).collect::<Vec<_>>()).await.unwrap();
    assert_eq!(report.created_count(), 220, "{:?}", report.failed());

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 44);
    let small_turns: Vec<usize> =
        seen.iter().enumerate().filter(|(_, token)| *token == "token-2").map(|(at, _)| at).collect();
    assert_eq!(small_turns.len(), 4);
    assert!(small_turns.iter().all(|at| *at < 8), "the small account waited for the busy one: {small_turns:?}");
}
