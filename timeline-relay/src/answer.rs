//! The answer to a request whose valid inputs are stored: HubSpot's real
//! answer when every input settled in time (`201`, a batch's `207` with the
//! failures, an app-event batch's `200`), else a batch response whose
//! `status` is `PENDING` and whose `links.status` says where to ask later:
//! a `207` for a v3 batch (HubSpot's official Node client raises an error
//! for any status its API does not list, and v3 batch create lists `201`
//! and `207` only), `202 Accepted` for the rest.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use timeline_core::check::{Invalid, Shape};
use timeline_core::wire::{BatchResponse, BatchStatus, StandardError};
use timeline_core::{EventKind, FailureReason};

use crate::hubspot;
use crate::input::Prepared;
use crate::settlement::{DeadReason, Settlement};

/// The category of a dead letter whose reason is not one of HubSpot's
/// own refusals (a server error to the end of the retries, say).
pub const DELIVERY_FAILED: &str = "DELIVERY_FAILED";

/// What became of one input of a request by the time the relay answers.
#[derive(Debug)]
pub(crate) enum InputOutcome {
    /// Refused at the edge: never stored.
    Refused(Invalid),
    /// Stored in the outbox; delivered or dead when settled, `None` while
    /// it is on its way.
    Stored(Prepared, Option<Settlement>),
}

/// When a request arrived and when its inputs were read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Received {
    /// When it arrived.
    pub(crate) requested_at: DateTime<Utc>,
    /// When its inputs were read.
    pub(crate) started_at: DateTime<Utc>,
}

/// The answer to a request of `kind` and `shape` whose inputs ended as
/// `outcomes`; `status_link` is where a pending answer sends the caller.
pub(crate) fn answer(
    kind: EventKind,
    shape: Shape,
    outcomes: Vec<InputOutcome>,
    received: Received,
    status_link: String,
) -> Response {
    match (kind, shape) {
        (EventKind::AppEvent, Shape::Batch) => {
            batch(kind, outcomes, Prepared::occurrence, (StatusCode::OK, StatusCode::ACCEPTED), received, status_link)
        }
        (EventKind::AppEvent, Shape::Single) => single(kind, outcomes, Prepared::occurrence, received, status_link),
        (_, Shape::Batch) => batch(
            kind,
            outcomes,
            Prepared::timeline_response,
            (StatusCode::CREATED, StatusCode::MULTI_STATUS),
            received,
            status_link,
        ),
        (_, Shape::Single) => single(kind, outcomes, Prepared::timeline_response, received, status_link),
    }
}

/// A batch's answer: `done` (or `207` with errors) once every input
/// settled, `pending` with `status: PENDING` otherwise. `results` holds the
/// delivered inputs, and the pending ones too in a pending answer (so the
/// caller learns every id); `errors` one entry per refused or dead input.
fn batch<T: Serialize>(
    kind: EventKind,
    outcomes: Vec<InputOutcome>,
    show: fn(&Prepared) -> T,
    (done, pending_status): (StatusCode, StatusCode),
    received: Received,
    status_link: String,
) -> Response {
    let (mut results, mut errors, mut pending) = (Vec::new(), Vec::new(), false);
    for outcome in outcomes {
        match outcome {
            InputOutcome::Refused(invalid) => errors.push(invalid.into_standard_error()),
            InputOutcome::Stored(prepared, Some(Settlement::Delivered)) => results.push(show(&prepared)),
            InputOutcome::Stored(prepared, Some(Settlement::Dead(reason))) => {
                errors.push(dead_error(kind, &prepared, &reason).1)
            }
            InputOutcome::Stored(prepared, None) => {
                pending = true;
                results.push(show(&prepared));
            }
        }
    }
    let (status, batch_status) = match (pending, errors.is_empty()) {
        (true, _) => (pending_status, BatchStatus::Pending),
        (false, true) => (done, BatchStatus::Complete),
        (false, false) => (StatusCode::MULTI_STATUS, BatchStatus::Complete),
    };
    let mut body = BatchResponse::new(batch_status, results, received.started_at, Utc::now());
    if !errors.is_empty() {
        body = body.with_errors(errors);
    }
    body.requested_at = Some(received.requested_at);
    if pending {
        body.links = Some(BTreeMap::from([("status".to_owned(), status_link)]));
    }
    hubspot::json(status, &body)
}

/// A single create's answer: `201` with the stored input, HubSpot's error
/// for a refused or dead one, or the batch-shaped `202` while it is on its
/// way.
fn single<T: Serialize>(
    kind: EventKind,
    mut outcomes: Vec<InputOutcome>,
    show: fn(&Prepared) -> T,
    received: Received,
    status_link: String,
) -> Response {
    match outcomes.pop() {
        Some(InputOutcome::Stored(prepared, Some(Settlement::Delivered))) => {
            hubspot::json(StatusCode::CREATED, &show(&prepared))
        }
        Some(InputOutcome::Stored(prepared, Some(Settlement::Dead(reason)))) => {
            let (status, error) = dead_error(kind, &prepared, &reason);
            hubspot::single_error(status, error)
        }
        Some(InputOutcome::Refused(invalid)) => {
            hubspot::single_error(StatusCode::BAD_REQUEST, invalid.into_standard_error())
        }
        Some(pending @ InputOutcome::Stored(_, None)) => {
            batch(kind, vec![pending], show, (StatusCode::CREATED, StatusCode::ACCEPTED), received, status_link)
        }
        None => hubspot::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "The request holds no input."),
    }
}

/// The status and error HubSpot's answer has for a dead input: its
/// validation error, an id in use (`409` for an app event), its refusal's
/// status, or a [`DELIVERY_FAILED`] `502` for the rest.
fn dead_error(kind: EventKind, prepared: &Prepared, reason: &DeadReason) -> (StatusCode, StandardError) {
    let mut error = hubspot::input_error(Some(&prepared.key.event_id), String::new());
    let status = match reason {
        DeadReason::Seen(reason) => match &**reason {
            FailureReason::Validation { category, message, context, details } => {
                error.category = category.clone();
                error.message = message.clone();
                error.context.extend(context.clone());
                error.errors = details.clone();
                StatusCode::BAD_REQUEST
            }
            FailureReason::DuplicateId { message } if kind == EventKind::AppEvent => {
                error.category = "CONFLICT".to_owned();
                error.message = message.clone();
                StatusCode::CONFLICT
            }
            FailureReason::DuplicateId { message } => {
                error.message = message.clone();
                StatusCode::BAD_REQUEST
            }
            FailureReason::Rejected { status, message } => {
                error.category = DELIVERY_FAILED.to_owned();
                error.message = message.clone();
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            other => {
                error.category = DELIVERY_FAILED.to_owned();
                error.message = other.to_string();
                StatusCode::BAD_GATEWAY
            }
        },
        DeadReason::Recorded(text) => {
            error.category = DELIVERY_FAILED.to_owned();
            error.message = text.clone();
            StatusCode::BAD_GATEWAY
        }
    };
    (status, error)
}
