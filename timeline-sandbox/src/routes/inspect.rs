//! `/_sandbox` routes: what the sandbox stored and counted, over HTTP.

use std::sync::Arc;

use axum::Json;
use axum::extract::State as Shared;
use axum::http::StatusCode;
use timeline_core::wire::TimelineEventResponse;

use crate::state::State;
use crate::stats::Stats;

/// The body of `GET /_sandbox/events`.
#[derive(Debug, serde::Serialize)]
pub(super) struct StoredEvents {
    results: Vec<TimelineEventResponse>,
}

/// `GET /_sandbox/events`: `{"results": [...]}`, in the order first stored.
pub(super) async fn events(Shared(state): Shared<Arc<State>>) -> Json<StoredEvents> {
    Json(StoredEvents { results: state.events().all() })
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

/// `GET /_sandbox/stats`: the [`Stats`] as JSON.
pub(super) async fn stats(Shared(state): Shared<Arc<State>>) -> Json<Stats> {
    Json(state.stats().clone())
}

/// `POST /_sandbox/reset`: 204 after clearing events, counters and receive counts.
pub(super) async fn reset(Shared(state): Shared<Arc<State>>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}
