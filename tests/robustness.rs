//! Robustness over HTTP: redirects are never followed, by the batch or the
//! token endpoint, and settings or answers at the edge of their range (a
//! token that never expires, the longest durations) end without a panic.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::routing::post;
use common::*;
use hubspot_timeline::send::{ClientBuilder, FailureReason, RetryPolicy, SendReport, Timeouts};
use hubspot_timeline::{Client, SendAll};
use timeline_sandbox::{Fault, Faults};

/// Serves `app` on a loopback port; returns its URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Requests a stand-in server received.
#[derive(Clone, Default)]
struct Hits(Arc<AtomicUsize>);

impl Hits {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A server answering every request with `status` and `body`, counting them.
async fn counting_server(status: StatusCode, body: &'static str) -> (String, Hits) {
    let hits = Hits::default();
    let counter = hits.clone();
    let app = Router::new().fallback(move || {
        counter.0.fetch_add(1, Ordering::SeqCst);
        async move { (status, body) }
    });
    (serve(app).await, hits)
}

/// A server answering every request with a 302 to `target`, counting them.
async fn redirecting_to(target: &str) -> (String, Hits) {
    let hits = Hits::default();
    let counter = hits.clone();
    let location = format!("{target}/elsewhere");
    let app = Router::new().fallback(move || {
        counter.0.fetch_add(1, Ordering::SeqCst);
        let location = location.clone();
        async move { (StatusCode::FOUND, [(LOCATION, location)]) }
    });
    (serve(app).await, hits)
}

/// An answer that would pass for a token, had the client followed a redirect to it.
const TOKEN_ANSWER: &str =
    r#"{"access_token":"token-from-elsewhere","refresh_token":"r","expires_in":1800,"token_type":"bearer"}"#;

fn static_token_client(base_url: &str) -> ClientBuilder {
    Client::builder().access_token(TOKEN).base_url(base_url).retry(RetryPolicy::never())
}

fn oauth_client(base_url: &str) -> ClientBuilder {
    Client::builder()
        .oauth("client-id", "client-secret", "refresh-token")
        .base_url(base_url)
        .retry(RetryPolicy::never())
}

/// Every event failed, each for a reason whose text holds `expected`.
fn assert_all_failed(report: &SendReport, events: usize, expected: &str) {
    assert_eq!(report.created_count(), 0);
    assert_eq!(report.failed().len(), events);
    for failure in report.failed() {
        assert!(failure.reason.to_string().contains(expected), "{}", failure.reason);
    }
}

#[tokio::test]
async fn a_redirect_from_the_batch_endpoint_is_a_final_answer_and_not_followed() {
    let (target, target_hits) = counting_server(StatusCode::CREATED, "").await;
    let (redirector, redirector_hits) = redirecting_to(&target).await;
    let client = static_token_client(&redirector).retry(fast_retry()).build().unwrap();
    let report = adoptions(3).send_all(&client).await.unwrap();
    assert_all_failed(&report, 3, "refused by HubSpot with status 302");
    assert_eq!(redirector_hits.count(), 1, "a redirect is final, not retried");
    assert_eq!(target_hits.count(), 0, "the redirect was followed");
}

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_not_followed() {
    let (target, target_hits) = counting_server(StatusCode::OK, TOKEN_ANSWER).await;
    let (redirector, redirector_hits) = redirecting_to(&target).await;
    let client = oauth_client(&redirector).build().unwrap();
    let error = adoptions(1).send_all(&client).await.unwrap_err().to_string();
    assert!(error.contains("the token endpoint answered 302"), "{error}");
    assert_eq!(redirector_hits.count(), 1);
    assert_eq!(target_hits.count(), 0, "the redirect was followed");
}

#[tokio::test]
async fn an_answer_a_user_client_reached_by_a_redirect_is_refused() {
    let (target, target_hits) = counting_server(StatusCode::CREATED, "").await;
    let (redirector, _) = redirecting_to(&target).await;
    let following = reqwest::Client::new();
    let client = static_token_client(&redirector).http_client(following.clone()).build().unwrap();
    let report = adoptions(2).send_all(&client).await.unwrap();
    assert_all_failed(&report, 2, "redirected to another URL; redirects are not followed");
    for failure in report.failed() {
        assert!(
            matches!(*failure.reason, FailureReason::Transport { may_have_landed: true, .. }),
            "the first hop got the body: {:?}",
            failure.reason
        );
    }
    assert_eq!(target_hits.count(), 1, "the user's client followed the redirect");

    let (token_target, token_target_hits) = counting_server(StatusCode::OK, TOKEN_ANSWER).await;
    let (token_redirector, _) = redirecting_to(&token_target).await;
    let client = oauth_client(&token_redirector).http_client(following).build().unwrap();
    let error = adoptions(1).send_all(&client).await.unwrap_err().to_string();
    assert!(error.contains("redirects are not followed"), "{error}");
    assert_eq!(token_target_hits.count(), 1, "the user's client followed the redirect");
}

#[tokio::test]
async fn a_token_that_claims_to_never_expire_is_used_without_a_panic() {
    let forever =
        format!(r#"{{"access_token":"{TOKEN}","refresh_token":"r","expires_in":{},"token_type":"bearer"}}"#, i64::MAX);
    let hits = Hits::default();
    let counter = hits.clone();
    let token_endpoint = serve(Router::new().route(
        "/oauth/2026-03/token",
        post(move || {
            counter.0.fetch_add(1, Ordering::SeqCst);
            let body = forever.clone();
            async move { (StatusCode::OK, body) }
        }),
    ))
    .await;
    let sandbox = sandbox().start().await.unwrap();
    let client = oauth_client(sandbox.url())
        .token_url(format!("{token_endpoint}/oauth/2026-03/token"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let events = adoptions(6);
    for half in events.chunks(3) {
        let report = half.send_all(&client).await.unwrap();
        assert!(report.is_complete(), "{:?}", report.failed());
    }
    assert_stored_exactly(&sandbox, &events);
    assert_eq!(hits.count(), 1, "the token was renewed before its clamped lifetime");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_longest_retry_durations_end_without_a_panic() {
    let sandbox = sandbox().faults(Faults::seeded(1).schedule([Fault::Status(503)])).start().await.unwrap();
    let longest = RetryPolicy::default()
        .with_initial_backoff(Duration::MAX)
        .with_max_backoff(Duration::MAX)
        .with_max_elapsed(Duration::from_secs(1))
        .with_jitter(|| 1.0);
    let client = client_builder(&sandbox).retry(longest).batch_size(5).build().unwrap();
    let report = adoptions(5).send_all(&client).await.unwrap();
    for failure in report.failed() {
        assert_eq!(
            *failure.reason,
            FailureReason::Server { status: 503, attempts: 1 },
            "a day's wait is past the limit"
        );
    }
    assert_eq!(report.failed().len(), 5);
    assert_eq!(sandbox.stats().requests, 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_longest_timeouts_and_elapsed_limit_work() {
    let sandbox = sandbox().start().await.unwrap();
    let timeouts =
        Timeouts::default().with_connect(Duration::MAX).with_attempt(Duration::MAX).with_overall(Duration::MAX);
    let retry = fast_retry().with_max_elapsed(Duration::MAX);
    let client = client_builder(&sandbox).timeouts(timeouts).retry(retry).build().unwrap();
    let events = adoptions(4);
    let report = events.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_stored_exactly(&sandbox, &events);
    sandbox.shutdown().await;
}
