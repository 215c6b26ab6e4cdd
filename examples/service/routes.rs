//! `POST /accounts/{account}/registrations`: a webinar registration, emitted
//! as a timeline event and answered 202 once it is in the outbox.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use hubspot_timeline::TimelineEvent;
use hubspot_timeline::dispatch::{Dispatcher, Enqueued, Error};
use serde::Deserialize;

/// A contact registered for a webinar; bound to the template file, so the
/// fields are checked against it at compile time.
#[derive(Debug, TimelineEvent)]
#[timeline(template = "examples/service/timeline/webinar-registration.json", rename_all = "camelCase")]
pub struct WebinarRegistered {
    /// The contact.
    #[timeline(email)]
    pub email: String,
    /// `reg-{account}-{registrationId}`: unique across accounts, and the
    /// same for a client's retry of the same registration.
    #[timeline(id)]
    pub id: String,
    #[timeline(timestamp)]
    pub registered_at: DateTime<Utc>,
    pub webinar: String,
    pub registration_id: String,
}

/// The request body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Registration {
    registration_id: String,
    email: String,
    webinar: String,
    registered_at: DateTime<Utc>,
}

/// The routes over `dispatcher`.
pub fn router(dispatcher: Dispatcher) -> Router {
    Router::new().route("/accounts/{account}/registrations", post(register)).with_state(Arc::new(dispatcher))
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn bad_request(message: String) -> Response {
    json(StatusCode::BAD_REQUEST, serde_json::json!({ "error": message }))
}

async fn register(State(dispatcher): State<Arc<Dispatcher>>, Path(account): Path<String>, body: Bytes) -> Response {
    let Ok(account) = account.parse::<u64>() else {
        return bad_request(format!("{account:?} is not an account id"));
    };
    let registration: Registration = match serde_json::from_slice(&body) {
        Ok(registration) => registration,
        Err(error) => return bad_request(format!("not a registration: {error}")),
    };
    let event = WebinarRegistered {
        id: format!("reg-{account}-{}", registration.registration_id),
        email: registration.email,
        registered_at: registration.registered_at,
        webinar: registration.webinar,
        registration_id: registration.registration_id,
    };
    // Returns once the outbox has it (waiting for room at the bound on
    // undelivered events); the dispatcher delivers in the background.
    match dispatcher.emit(account, &event).await {
        Ok(emitted) => json(
            StatusCode::ACCEPTED,
            serde_json::json!({
                "eventId": emitted.key.event_id,
                "duplicate": emitted.enqueued == Enqueued::AlreadyThere,
            }),
        ),
        Err(Error::Encode(error)) => bad_request(format!("not a valid event: {error}")),
        Err(Error::ShutDown) => {
            json(StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({ "error": "the service is shutting down" }))
        }
        Err(error) => {
            eprintln!("emit failed: {error}");
            json(StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({ "error": "the event could not be stored" }))
        }
    }
}
