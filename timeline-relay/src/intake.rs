//! HubSpot's create paths, served by the relay: the caller's account from
//! its token, the body read and its inputs checked at the edge, every valid
//! input stored in the outbox (through the dispatcher) before any answer,
//! then a wait of at most the ack wait for them to settle.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures_util::future::join_all;
use timeline_core::EventKind;
use timeline_core::check::{self, Json, Shape};
use timeline_dispatch::{Emitted, Enqueued};

use crate::answer::{self, InputOutcome, Received};
use crate::hubspot::{self, Refusal};
use crate::input::{self, Checking};
use crate::settlement::{Settlement, Waiter};
use crate::state::{Definitions, RelayState};
use crate::status;

/// The prefixes of the app-event paths: HubSpot's date-versioned one and
/// the `/v4/` one its documentation names.
pub(crate) const APP_EVENT_PREFIXES: [&str; 2] = ["/integrators/timeline/2026-03", "/integrators/timeline/v4"];

/// The prefix of the v3 event paths.
pub(crate) const TIMELINE_EVENTS: &str = "/integrators/timeline/v3/events";

/// Every create path: one input (`shape` single) or a batch of inputs of
/// `kind`, answered as HubSpot answers once they settle.
pub(crate) async fn receive(
    kind: EventKind,
    shape: Shape,
    State(relay): State<Arc<RelayState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let requested_at = Utc::now();
    let account = match relay.token_accounts.authenticate(&headers).await {
        Ok(account) => account,
        Err(refused) => return refused.into_response(),
    };
    let limit = relay.settings.max_body_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return status::too_large(limit);
    };
    let json: Json<'_> = match serde_json::from_slice(&bytes) {
        Ok(json) => json,
        Err(error) => {
            return hubspot::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", format!("Invalid input JSON: {error}"));
        }
    };
    let inputs = match inputs_of(kind, shape, &json) {
        Ok(inputs) => inputs,
        Err(refused) => return refused.into_response(),
    };
    let received = Received { requested_at, started_at: Utc::now() };
    let prepared = match (&relay.definitions, kind) {
        (Definitions::Given(types), EventKind::AppEvent) => input::app_events(inputs, Some(types), account),
        (Definitions::Learned(_), EventKind::AppEvent) => input::app_events(inputs, None, account),
        (Definitions::Given(types), _) => input::timeline_events(inputs, Checking::All(types), &relay.app, account),
        (Definitions::Learned(learned), _) => {
            let types = learned.definitions(inputs.iter().filter_map(input::template_id)).await;
            input::timeline_events(inputs, Checking::Known(&types), &relay.app, account)
        }
    };
    if kind == EventKind::AppEvent && prepared.iter().any(Result::is_err) {
        return hubspot::api_error(StatusCode::BAD_REQUEST, check::app_event_refusal(prepared, shape));
    }

    let total = prepared.len();
    // Waiters are registered before the events are stored, so that no outcome passes unseen.
    let mut waiters: Vec<Option<Waiter>> = prepared
        .iter()
        .map(|prepared| prepared.as_ref().ok().map(|prepared| relay.settlements.register(prepared.key.clone())))
        .collect();
    // Emitted together, so that the outbox stores them in one write.
    let emitted = join_all(
        prepared
            .iter()
            .filter_map(|prepared| prepared.as_ref().ok())
            .map(|prepared| relay.dispatcher.emit(account, prepared)),
    )
    .await;
    if let Some(error) = emitted.iter().find_map(|result| result.as_ref().err()) {
        let stored = emitted.iter().filter(|result| result.is_ok()).count();
        return stored_partly(stored, total, error);
    }
    let mut emitted = emitted.into_iter().flatten();
    let mut outcomes: Vec<InputOutcome> = Vec::with_capacity(total);
    for (index, prepared) in prepared.into_iter().enumerate() {
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(invalid) => {
                outcomes.push(InputOutcome::Refused(invalid));
                continue;
            }
        };
        let settled = match emitted.next().expect("one emit per valid input") {
            Emitted { enqueued: Enqueued::Added, .. } => None,
            Emitted { enqueued: Enqueued::AlreadyThere, key } => {
                let outbox = relay.dispatcher.outbox();
                match status::find_row(outbox.as_ref(), account, &key.event_type, &key.event_id).await {
                    Ok(row) => row.as_ref().and_then(Settlement::of_row),
                    Err(error) => {
                        // Stored all the same: its waiter hears it settle, or the answer says pending.
                        tracing::warn!(%error, event_id = %key.event_id, "could not read the state of an event stored before");
                        None
                    }
                }
            }
        };
        if settled.is_some() {
            waiters[index] = None;
        }
        outcomes.push(InputOutcome::Stored(prepared, settled));
    }

    let deadline = tokio::time::Instant::now() + relay.settings.ack_wait;
    for (index, waiter) in waiters.into_iter().enumerate() {
        let Some(mut waiter) = waiter else { continue };
        if let Some(settlement) = waiter.until(deadline).await
            && let Some(InputOutcome::Stored(_, settled)) = outcomes.get_mut(index)
        {
            *settled = Some(settlement);
        }
    }
    let link = match (shape, outcomes.first()) {
        (Shape::Single, Some(InputOutcome::Stored(prepared, _))) => status::link(&headers, Some(&prepared.key)),
        _ => status::link(&headers, None),
    };
    answer::answer(kind, shape, outcomes, received, link)
}

/// The inputs of a body: the body itself (one input), or a batch's non-empty
/// `inputs`; HubSpot's 400 for a body of another shape.
fn inputs_of<'j, 'a>(kind: EventKind, shape: Shape, json: &'j Json<'a>) -> Result<&'j [Json<'a>], Refusal> {
    let (one, many) = match kind {
        EventKind::AppEvent => ("occurrence", "occurrences"),
        _ => ("event", "events"),
    };
    match (shape, json) {
        (Shape::Single, Json::Object(_)) => Ok(std::slice::from_ref(json)),
        (Shape::Single, _) => Err(hubspot::error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!("The body must be one {one}: a JSON object."),
        )
        .into()),
        (Shape::Batch, _) => match json.get("inputs") {
            Some(Json::Array(inputs)) if !inputs.is_empty() => Ok(inputs),
            _ => Err(hubspot::error(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                format!("The body must be a batch of at least one of the {many}: {{\"inputs\": [ … ]}}."),
            )
            .into()),
        },
    }
}

/// The 503 of a request whose inputs could not all be stored: says how many
/// were, and that sending the request again stores the rest once.
fn stored_partly(stored: usize, total: usize, error: &timeline_dispatch::Error) -> Response {
    hubspot::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "SERVICE_UNAVAILABLE",
        format!(
            "{stored} of the request's {total} inputs were stored before the relay could store no more ({error}); \
             send the request again: the inputs keep their ids, so none is stored twice."
        ),
    )
}
