//! OAuth: access tokens renewed from `expires_in` before they expire, one
//! renewal however many requests wait, after a 401, and when the token
//! endpoint fails for a while.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::*;
use hubspot_timeline::{Client, SendAll};

const CLIENT_ID: &str = "app-client-id";
const CLIENT_SECRET: &str = "app-client-secret-9f8e";

#[tokio::test]
async fn tokens_are_renewed_before_they_expire_one_renewal_at_a_time() {
    let sandbox = sandbox().oauth_client(CLIENT_ID, CLIENT_SECRET).access_token_ttl(Duration::from_secs(2)).start();
    let sandbox = sandbox.await.unwrap();
    let client = Client::builder()
        .oauth(CLIENT_ID, CLIENT_SECRET, "refresh-token-1")
        .base_url(sandbox.url())
        .retry(fast_retry())
        .batch_size(5)
        .build()
        .unwrap();

    let events = adoptions(60);
    let (a, b, c) =
        tokio::join!(events[..20].send_all(&client), events[20..40].send_all(&client), events[40..].send_all(&client));
    for report in [a, b, c] {
        assert!(report.unwrap().is_complete());
    }
    assert_eq!(sandbox.stats().tokens_issued, 1, "one renewal for all the waiting requests");

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let report = adoptions(5).send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    let stats = sandbox.stats();
    assert_eq!(stats.tokens_issued, 2);
    assert_eq!(stats.status_count(401), 0, "the token was renewed before it expired");
    assert_stored_exactly(&sandbox, &events);
    sandbox.shutdown().await;
}

/// What the stand-in token server and API have seen.
#[derive(Default)]
struct Calls {
    token: AtomicUsize,
    batch: AtomicUsize,
}

/// A token endpoint that fails its first call with 503, then issues
/// `token-2`, `token-3`, …; and a batch endpoint that refuses `token-2`
/// as expired and accepts the rest.
async fn flaky_oauth_server(calls: Arc<Calls>) -> String {
    let token_calls = Arc::clone(&calls);
    let batch_calls = Arc::clone(&calls);
    let app = Router::new()
        .route(
            "/oauth/2026-03/token",
            post(move || {
                let calls = Arc::clone(&token_calls);
                async move {
                    let n = calls.token.fetch_add(1, Ordering::SeqCst) + 1;
                    if n == 1 {
                        return (StatusCode::SERVICE_UNAVAILABLE, "{}".to_owned());
                    }
                    let body = format!(
                        r#"{{"access_token":"token-{n}","refresh_token":"refresh","expires_in":1800,"token_type":"bearer"}}"#
                    );
                    (StatusCode::OK, body)
                }
            }),
        )
        .route(
            "/integrators/timeline/v3/events/batch/create",
            post(move |headers: HeaderMap| {
                let calls = Arc::clone(&batch_calls);
                async move {
                    calls.batch.fetch_add(1, Ordering::SeqCst);
                    match headers.get("authorization").and_then(|value| value.to_str().ok()) {
                        Some("Bearer token-2") => (
                            StatusCode::UNAUTHORIZED,
                            r#"{"category":"EXPIRED_AUTHENTICATION","message":"The OAuth token expired."}"#,
                        ),
                        Some(_) => (StatusCode::CREATED, ""),
                        None => (StatusCode::UNAUTHORIZED, r#"{"message":"no token"}"#),
                    }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn a_401_renews_the_token_and_a_failing_token_endpoint_is_retried() {
    let calls = Arc::new(Calls::default());
    let url = flaky_oauth_server(Arc::clone(&calls)).await;
    let client =
        Client::builder().oauth(CLIENT_ID, CLIENT_SECRET, "refresh").base_url(url).retry(fast_retry()).build().unwrap();
    let report = adoptions(3).send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_eq!(report.created_count(), 3);
    assert_eq!(calls.token.load(Ordering::SeqCst), 3, "503, then token-2 (refused), then token-3");
    assert_eq!(calls.batch.load(Ordering::SeqCst), 2);
}
