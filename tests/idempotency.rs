//! A retried request carries the same body bytes, so the same ids, on every
//! attempt.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use common::*;
use hubspot_timeline::{Client, SendAll};

#[tokio::test]
async fn every_attempt_sends_the_same_bytes() {
    let bodies: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let seen = Arc::clone(&bodies);
    let app = Router::new().route(
        "/integrators/timeline/v3/events/batch/create",
        post(move |body: Bytes| {
            let seen = Arc::clone(&seen);
            async move {
                let mut seen = seen.lock().unwrap();
                seen.push(body);
                match seen.len() {
                    1 => StatusCode::BAD_GATEWAY,
                    2 => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::CREATED,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = Client::builder().access_token(TOKEN).base_url(url).retry(fast_retry()).build().unwrap();
    let events: Vec<BuildFinished<u32>> =
        (0..3).map(|n| BuildFinished { deal_id: 1, build_number: n, duration_seconds: 60 }).collect();
    let report = events.send_all(&client).await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failed());

    let bodies = bodies.lock().unwrap();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|body| body == &bodies[0]), "the attempts sent different bodies");
    let sent: serde_json::Value = serde_json::from_slice(&bodies[0]).unwrap();
    let ids: Vec<&str> = sent["inputs"].as_array().unwrap().iter().map(|input| input["id"].as_str().unwrap()).collect();
    let reported: Vec<&str> = report.created().iter().map(|created| created.id.as_str()).collect();
    assert_eq!(ids, reported);
    assert!(ids.iter().all(|id| id.starts_with("tl2-")), "events without an id field get a derived one");
}
