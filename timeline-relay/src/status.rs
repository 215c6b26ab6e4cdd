//! Where a caller asks what became of its events after a pending answer:
//! `GET /relay/v1/events/{eventType}/{id}` for one, and
//! `POST /relay/v1/events/status` with `{"inputs": [{"eventType", "id"}]}`
//! for many; each says `PENDING`, `DELIVERED` or `DEAD` (with the reason),
//! or `NOT_FOUND`. A caller sees only its own account's events.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use timeline_core::AccountId;
use timeline_dispatch::{EventKey, Outbox, RowFilter, RowState, RowSummary};

use crate::hubspot;
use crate::state::RelayState;

/// The prefix of the status routes.
pub(crate) const STATUS_ROUTES: &str = "/relay/v1/events";

/// The most rows of one account with one event id the status looks through:
/// one per event type that has the id.
const ROWS_PER_EVENT_ID: usize = 100;

/// The most events one status request may ask about.
pub const MAX_STATUS_INPUTS: usize = 1_000;

/// What the relay knows of one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventStatus {
    /// The event type: a template id or an app event's type name.
    pub event_type: String,
    /// The event's id.
    pub id: String,
    /// `PENDING` (stored, on its way), `DELIVERED`, `DEAD` (a permanent
    /// failure: see `reason`) or `NOT_FOUND` (never stored, or purged
    /// after the retention of delivered events).
    pub status: String,
    /// Delivery attempts so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// Why a dead event is dead, or why a pending one's last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl EventStatus {
    /// The status of `event_type`/`id` as `row` shows it, or `NOT_FOUND`.
    fn of(event_type: String, id: String, row: Option<&RowSummary>) -> Self {
        let status = match row.map(|row| row.state) {
            Some(RowState::Pending | RowState::Claimed) => "PENDING",
            Some(RowState::Delivered) => "DELIVERED",
            Some(RowState::Dead) => "DEAD",
            None => "NOT_FOUND",
        };
        EventStatus {
            event_type,
            id,
            status: status.to_owned(),
            attempts: row.map(|row| row.attempts),
            reason: row.and_then(|row| row.last_error.clone()),
        }
    }
}

/// The body of `POST /relay/v1/events/status`.
#[derive(Debug, Deserialize)]
struct StatusRequest {
    inputs: Vec<EventRef>,
}

/// One event a status request names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventRef {
    event_type: String,
    id: String,
}

/// The body of the answer to `POST /relay/v1/events/status`.
#[derive(Debug, Serialize)]
struct StatusAnswer {
    results: Vec<EventStatus>,
}

/// The outbox row of `account`'s event `event_type`/`event_id`, if any.
pub(crate) async fn find_row(
    outbox: &dyn Outbox,
    account: AccountId,
    event_type: &str,
    event_id: &str,
) -> Result<Option<RowSummary>, timeline_dispatch::Error> {
    let filter = RowFilter { account: Some(account), event_id: Some(event_id.to_owned()), ..RowFilter::default() };
    let rows = outbox.list(&filter, ROWS_PER_EVENT_ID).await?;
    Ok(rows.into_iter().find(|row| row.key.event_type == event_type))
}

/// `GET /relay/v1/events/{eventType}/{id}`: one event's status, or
/// HubSpot's 404 when the outbox has no such event of the caller's account.
pub(crate) async fn one(
    State(relay): State<Arc<RelayState>>,
    headers: HeaderMap,
    Path((event_type, id)): Path<(String, String)>,
) -> Response {
    let account = match relay.token_accounts.authenticate(&headers).await {
        Ok(account) => account,
        Err(refused) => return refused.into_response(),
    };
    match find_row(relay.dispatcher.outbox().as_ref(), account, &event_type, &id).await {
        Ok(Some(row)) => hubspot::json(StatusCode::OK, &EventStatus::of(event_type, id, Some(&row))),
        Ok(None) => hubspot::error(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("The relay holds no event {id} of event type {event_type} for this account."),
        ),
        Err(error) => outbox_unavailable(&error),
    }
}

/// `POST /relay/v1/events/status`: the status of each event the body names,
/// in its order.
pub(crate) async fn many(State(relay): State<Arc<RelayState>>, headers: HeaderMap, body: Body) -> Response {
    let account = match relay.token_accounts.authenticate(&headers).await {
        Ok(account) => account,
        Err(refused) => return refused.into_response(),
    };
    let bytes = match axum::body::to_bytes(body, relay.settings.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => return too_large(relay.settings.max_body_bytes),
    };
    let request: StatusRequest = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(error) => {
            let message = format!("The body must be {{\"inputs\": [{{\"eventType\": …, \"id\": …}}]}}: {error}");
            return hubspot::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message);
        }
    };
    if request.inputs.len() > MAX_STATUS_INPUTS {
        let message = format!(
            "Ask about at most {MAX_STATUS_INPUTS} events at once; this request names {}.",
            request.inputs.len()
        );
        return hubspot::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message);
    }
    let mut results = Vec::with_capacity(request.inputs.len());
    for EventRef { event_type, id } in request.inputs {
        match find_row(relay.dispatcher.outbox().as_ref(), account, &event_type, &id).await {
            Ok(row) => results.push(EventStatus::of(event_type, id, row.as_ref())),
            Err(error) => return outbox_unavailable(&error),
        }
    }
    hubspot::json(StatusCode::OK, &StatusAnswer { results })
}

/// Where a caller asks about `pending` later: the event's own status URL
/// for one event, the batch form's URL for a batch; on the host the
/// request named.
pub(crate) fn link(headers: &HeaderMap, one: Option<&EventKey>) -> String {
    let host = headers.get(header::HOST).and_then(|host| host.to_str().ok()).unwrap_or("localhost");
    match one {
        Some(key) => {
            format!("http://{host}{STATUS_ROUTES}/{}/{}", path_segment(&key.event_type), path_segment(&key.event_id))
        }
        None => format!("http://{host}{STATUS_ROUTES}/status"),
    }
}

/// `text` percent-encoded as one path segment (unreserved characters kept).
fn path_segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => encoded.push(char::from(byte)),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// HubSpot's 413 for a body over `limit` bytes.
pub(crate) fn too_large(limit: usize) -> Response {
    hubspot::error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "VALIDATION_ERROR",
        format!("The request body is larger than {limit} bytes; send fewer inputs per request."),
    )
}

/// A 503 for an outbox that failed.
pub(crate) fn outbox_unavailable(error: &timeline_dispatch::Error) -> Response {
    hubspot::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "SERVICE_UNAVAILABLE",
        format!("The relay's outbox is unavailable ({error}); try again later."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_path_segment_each() {
        assert_eq!(path_segment("a-1_b.c~"), "a-1_b.c~");
        assert_eq!(path_segment("ci/7732 dev@example.com"), "ci%2F7732%20dev%40example.com");
    }
}
