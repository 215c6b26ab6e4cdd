//! Seeded faults: shares, schedules, Retry-After, delays, and connections
//! closed after the events were stored.

use std::time::Duration;

use serde_json::json;
use timeline_sandbox::{Fault, Faults, Sandbox};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{PET, TOKEN, batch, builder, pet};

async fn statuses(faults: Faults, requests: usize) -> (Vec<u16>, Sandbox) {
    let sandbox = builder().no_rate_limit().faults(faults).start().await.unwrap();
    let mut statuses = Vec::new();
    for i in 0..requests {
        statuses.push(batch(&sandbox, vec![pet(&format!("f-{i}"))]).await.status().as_u16());
    }
    (statuses, sandbox)
}

fn plan(seed: u64) -> Faults {
    Faults::seeded(seed).share(0.3, Fault::Status(503)).share(0.1, Fault::Status(502))
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let (first, sandbox) = statuses(plan(7), 60).await;
    let (second, _) = statuses(plan(7), 60).await;
    let (other_seed, _) = statuses(plan(8), 60).await;

    assert_eq!(first, second);
    assert_ne!(first, other_seed);
    assert!(first.contains(&503) && first.contains(&502) && first.contains(&201), "{first:?}");
    let faults = first.iter().filter(|status| **status != 201).count() as u64;
    let stats = sandbox.stats();
    assert_eq!(stats.faults_injected, faults);
    assert_eq!(sandbox.events().len() as u64, 60 - faults);
}

#[tokio::test]
async fn a_schedule_is_followed_in_order_with_hubspots_bodies_and_retry_after() {
    let schedule = [
        Fault::Status(500),
        Fault::Status(502),
        Fault::Pass,
        Fault::StatusRetryAfter(503, Duration::from_millis(1500)),
        Fault::Status(504),
        Fault::Status(423),
        Fault::StatusRetryAfter(429, Duration::from_secs(3)),
    ];
    let sandbox = builder().faults(Faults::seeded(1).schedule(schedule)).start().await.unwrap();
    let mut seen = Vec::new();
    for i in 0..8 {
        let response = batch(&sandbox, vec![pet(&format!("s-{i}"))]).await;
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        seen.push((status, retry_after, body));
    }
    let statuses: Vec<u16> = seen.iter().map(|(status, ..)| *status).collect();
    assert_eq!(statuses, [500, 502, 201, 503, 504, 423, 429, 201]);
    assert_eq!(seen[3].1.as_deref(), Some("2"));
    assert_eq!(seen[6].1.as_deref(), Some("3"));
    assert!(seen[0].1.is_none());
    assert_eq!(seen[5].2["category"], "LOCKED");
    assert_eq!(seen[6].2["policyName"], "TEN_SECONDLY_ROLLING");
    assert!(seen[4].2["correlationId"].is_string());
    let stored: Vec<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    assert_eq!(stored, ["s-2", "s-7"]);
}

#[tokio::test]
async fn a_closed_connection_sends_no_bytes_but_the_events_were_stored() {
    let sandbox = builder().faults(Faults::none().schedule([Fault::CloseAfterStore])).start().await.unwrap();
    let body = json!({"inputs": [pet("landed")]}).to_string();
    let request = format!(
        "POST /integrators/timeline/v3/events/batch/create HTTP/1.1\r\nhost: sandbox\r\nauthorization: Bearer {TOKEN}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(sandbox.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer).await;

    assert!(read.is_err() || answer.is_empty(), "got an answer: {}", String::from_utf8_lossy(&answer));
    assert!(sandbox.event(PET, "landed").is_some());
    let stats = sandbox.stats();
    assert_eq!(stats.connections_closed, 1);
    assert_eq!(stats.inputs_stored, 1);

    let retry = batch(&sandbox, vec![pet("landed")]).await;
    assert_eq!(retry.status().as_u16(), 201);
    assert_eq!(sandbox.events().len(), 1);
}

#[tokio::test]
async fn a_client_sees_a_transport_error_when_the_connection_closes() {
    let sandbox = builder().faults(Faults::none().schedule([Fault::CloseAfterStore])).start().await.unwrap();
    let result = crate::common::client()
        .post(format!("{}/integrators/timeline/v3/events/batch/create", sandbox.url()))
        .bearer_auth(TOKEN)
        .json(&json!({"inputs": [pet("did-it-land")]}))
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
    assert!(sandbox.event(PET, "did-it-land").is_some());
}

#[tokio::test]
async fn faults_can_be_changed_after_start_and_delays_still_answer() {
    let sandbox = builder().latency(Duration::from_millis(5)).start().await.unwrap();
    assert_eq!(batch(&sandbox, vec![pet("before")]).await.status().as_u16(), 201);
    sandbox.set_faults(Faults::none().schedule([Fault::Status(503), Fault::Delay(Duration::from_millis(20))]));
    assert_eq!(batch(&sandbox, vec![pet("during")]).await.status().as_u16(), 503);
    assert_eq!(batch(&sandbox, vec![pet("delayed")]).await.status().as_u16(), 201);
    let stored: Vec<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    assert_eq!(stored, ["before", "delayed"]);
    assert_eq!(sandbox.stats().faults_injected, 2);
}
