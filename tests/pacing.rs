//! Pacing: one limiter per client keeps it under the server's rolling limit,
//! and the server's rate-limit headers correct a limit set too high.

mod common;

use std::time::Duration;

use common::*;
use hubspot_timeline::SendAll;
use hubspot_timeline::budget::RateLimit;
use timeline_sandbox::Sandbox;

const WINDOW: Duration = Duration::from_millis(400);

async fn limited_sandbox() -> Sandbox {
    sandbox().rate_limit(timeline_sandbox::RateLimit::new(5, WINDOW)).start().await.unwrap()
}

fn assert_no_429(sandbox: &Sandbox, requests: u64) {
    let stats = sandbox.stats();
    assert_eq!(stats.rate_limited, 0, "{stats:?}");
    assert_eq!(stats.status_count(429), 0, "{stats:?}");
    assert_eq!(stats.requests, requests);
}

#[tokio::test]
async fn concurrent_calls_share_the_limit_and_never_hit_429() {
    let sandbox = limited_sandbox().await;
    let client = client_builder(&sandbox).batch_size(2).rate_limit(RateLimit::new(5, WINDOW)).build().unwrap();
    let events = adoptions(40);
    let (first, second) = events.split_at(20);
    let (left, right) = tokio::join!(first.send_all(&client), second.send_all(&client));
    for report in [left.unwrap(), right.unwrap()] {
        assert!(report.is_complete(), "{:?}", report.failed());
    }
    assert_stored_exactly(&sandbox, &events);
    assert_no_429(&sandbox, 20);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_server_headers_correct_a_limit_set_too_high() {
    let sandbox = limited_sandbox().await;
    let too_high = RateLimit::new(1_000, Duration::from_millis(10));
    let client = client_builder(&sandbox).batch_size(2).max_in_flight(4).rate_limit(too_high).build().unwrap();
    let events = adoptions(40);
    let report = events.iter().send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());
    assert_stored_exactly(&sandbox, &events);
    assert_no_429(&sandbox, 20);
    sandbox.shutdown().await;
}
