//! The rolling limit per access token, its headers and 429 body, and the daily cap.

use std::time::Duration;

use timeline_sandbox::RateLimit;

use crate::common::{builder, pet_as};

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_window_admits_max_requests_per_token_then_answers_429() {
    let sandbox = builder().rate_limit(RateLimit::new(5, Duration::from_secs(60))).start().await.unwrap();
    for expected_remaining in (0..5).rev() {
        let response = pet_as(&sandbox, "a", &format!("a-{expected_remaining}")).await;
        assert_eq!(response.status().as_u16(), 201);
        assert_eq!(header(&response, "x-hubspot-ratelimit-max").as_deref(), Some("5"));
        assert_eq!(header(&response, "x-hubspot-ratelimit-remaining"), Some(expected_remaining.to_string()));
        assert_eq!(header(&response, "x-hubspot-ratelimit-interval-milliseconds").as_deref(), Some("60000"));
    }
    let refused = pet_as(&sandbox, "a", "a-refused").await;
    assert_eq!(refused.status().as_u16(), 429);
    assert_eq!(header(&refused, "x-hubspot-ratelimit-remaining").as_deref(), Some("0"));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(body["errorType"], "RATE_LIMIT");
    assert_eq!(body["status"], "error");
    assert!(body["correlationId"].is_string() && body["message"].is_string());

    let other = pet_as(&sandbox, "b", "b-1").await;
    assert_eq!(other.status().as_u16(), 201);
    assert_eq!(header(&other, "x-hubspot-ratelimit-remaining").as_deref(), Some("4"));

    let stats = sandbox.stats();
    assert_eq!((stats.rate_limited, stats.status_count(429), stats.status_count(201)), (1, 1, 6));
    assert_eq!(sandbox.events().len(), 6);
    assert!(sandbox.event(crate::common::PET, "a-refused").is_none());
}

#[tokio::test]
async fn the_window_rolls() {
    let window = Duration::from_secs(1);
    let sandbox = builder().rate_limit(RateLimit::new(2, window)).start().await.unwrap();
    assert_eq!(pet_as(&sandbox, "t", "1").await.status().as_u16(), 201);
    assert_eq!(pet_as(&sandbox, "t", "2").await.status().as_u16(), 201);
    assert_eq!(pet_as(&sandbox, "t", "3").await.status().as_u16(), 429);
    tokio::time::sleep(window + window / 4).await;
    assert_eq!(pet_as(&sandbox, "t", "4").await.status().as_u16(), 201);
}

#[tokio::test]
async fn the_daily_cap_answers_429_with_the_daily_policy() {
    let sandbox = builder().no_rate_limit().daily_limit(3).start().await.unwrap();
    for remaining in ["2", "1", "0"] {
        let response = pet_as(&sandbox, "d", remaining).await;
        assert_eq!(response.status().as_u16(), 201);
        assert_eq!(header(&response, "x-hubspot-ratelimit-daily-remaining").as_deref(), Some(remaining));
        assert!(header(&response, "x-hubspot-ratelimit-max").is_none());
    }
    let refused = pet_as(&sandbox, "d", "over").await;
    assert_eq!(refused.status().as_u16(), 429);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["policyName"], "DAILY");
}

#[tokio::test]
async fn reset_clears_the_windows_and_no_limit_means_no_429() {
    let sandbox = builder().rate_limit(RateLimit::new(1, Duration::from_secs(60))).start().await.unwrap();
    assert_eq!(pet_as(&sandbox, "r", "1").await.status().as_u16(), 201);
    assert_eq!(pet_as(&sandbox, "r", "2").await.status().as_u16(), 429);
    sandbox.reset();
    assert_eq!(pet_as(&sandbox, "r", "3").await.status().as_u16(), 201);

    let unlimited = builder().no_rate_limit().start().await.unwrap();
    for i in 0..120 {
        let response = pet_as(&unlimited, "u", &format!("u-{i}")).await;
        assert_eq!(response.status().as_u16(), 201);
    }
    assert_eq!(unlimited.stats().rate_limited, 0);
}
