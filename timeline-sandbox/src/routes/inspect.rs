//! `/_sandbox` routes: what the sandbox stored and counted, over HTTP.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State as Shared, rejection::QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use timeline_core::wire::TimelineEventResponse;

use crate::AppEventOccurrence;
use crate::reply::{self, Refusal};
use crate::state::State;

/// The query of the inspection routes that can show one account: `?account=101`.
#[derive(Debug, serde::Deserialize)]
pub(super) struct AccountQuery {
    account: Option<u64>,
}

/// The account a `?account=` query names (`None` for all), or the 400 of a
/// query that does not name one.
fn account_of(query: Result<Query<AccountQuery>, QueryRejection>) -> Result<Option<u64>, Refusal> {
    match query {
        Ok(Query(AccountQuery { account })) => Ok(account),
        Err(rejected) => Err(reply::error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!("`account` must be an account id (a whole number): {rejected}"),
        )
        .into()),
    }
}

/// The body of `GET /_sandbox/events`.
#[derive(Debug, serde::Serialize)]
pub(super) struct StoredEvents {
    results: Vec<TimelineEventResponse>,
}

/// `GET /_sandbox/events`: `{"results": [...]}`, in the order first stored;
/// with `?account=101`, that account's only.
pub(super) async fn events(
    Shared(state): Shared<Arc<State>>,
    query: Result<Query<AccountQuery>, QueryRejection>,
) -> Response {
    let results = match account_of(query) {
        Ok(Some(account)) => state.events().in_account(account),
        Ok(None) => state.events().all(),
        Err(refused) => return refused.into_response(),
    };
    Json(StoredEvents { results }).into_response()
}

/// The body of `GET /_sandbox/app-events`.
#[derive(Debug, serde::Serialize)]
pub(super) struct StoredAppEvents {
    results: Vec<AppEventOccurrence>,
}

/// `GET /_sandbox/app-events`: `{"results": [...]}`, the stored app-event
/// occurrences in the order stored; with `?account=101`, that account's only.
pub(super) async fn app_events(
    Shared(state): Shared<Arc<State>>,
    query: Result<Query<AccountQuery>, QueryRejection>,
) -> Response {
    let results = match account_of(query) {
        Ok(Some(account)) => state.app_events().in_account(account),
        Ok(None) => state.app_events().all(),
        Err(refused) => return refused.into_response(),
    };
    Json(StoredAppEvents { results }).into_response()
}

/// One count of the body of `GET /_sandbox/app-events/received`.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AppEventReceivedCount {
    event_type_name: String,
    id: String,
    count: u64,
}

/// The body of `GET /_sandbox/app-events/received`.
#[derive(Debug, serde::Serialize)]
pub(super) struct AppEventReceivedCounts {
    results: Vec<AppEventReceivedCount>,
}

/// `GET /_sandbox/app-events/received`: `{"results": [{"eventTypeName", "id", "count"}, ...]}`,
/// by type uid, then occurrence id.
pub(super) async fn app_events_received(Shared(state): Shared<Arc<State>>) -> Json<AppEventReceivedCounts> {
    let counts = state.app_events_received().all();
    let results = counts
        .into_iter()
        .map(|((event_type_name, id), count)| AppEventReceivedCount { event_type_name, id, count })
        .collect();
    Json(AppEventReceivedCounts { results })
}

/// One count of the body of `GET /_sandbox/received`.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ReceivedCount {
    event_template_id: String,
    id: String,
    count: u64,
}

/// The body of `GET /_sandbox/received`.
#[derive(Debug, serde::Serialize)]
pub(super) struct ReceivedCounts {
    results: Vec<ReceivedCount>,
}

/// `GET /_sandbox/received`: `{"results": [{"eventTemplateId", "id", "count"}, ...]}`,
/// by template id, then event id.
pub(super) async fn received(Shared(state): Shared<Arc<State>>) -> Json<ReceivedCounts> {
    let counts = state.received().all();
    let results = counts
        .into_iter()
        .map(|((event_template_id, id), count)| ReceivedCount { event_template_id, id, count })
        .collect();
    Json(ReceivedCounts { results })
}

/// `GET /_sandbox/stats`: the `Stats` as JSON; with `?account=101`, that account's.
pub(super) async fn stats(
    Shared(state): Shared<Arc<State>>,
    query: Result<Query<AccountQuery>, QueryRejection>,
) -> Response {
    match account_of(query) {
        Ok(Some(account)) => Json(state.counters().account(account)).into_response(),
        Ok(None) => Json(state.counters().all().clone()).into_response(),
        Err(refused) => refused.into_response(),
    }
}

/// `POST /_sandbox/reset`: 204 after clearing events, app-event occurrences, counters (each
/// account's too), receive counts and rate-limit windows.
pub(super) async fn reset(Shared(state): Shared<Arc<State>>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}
