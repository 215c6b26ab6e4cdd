//! Event routes: create, batch create and get.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use timeline_core::wire::{
    BatchResponseTimelineEventResponse, BatchResponseTimelineEventResponseWithErrors, BatchStatus, ErrorDetail,
    TimelineEventResponse,
};

use super::{parse_json, read_body};
use crate::json::Json as Input;
use crate::reply;
use crate::state::State;
use crate::store::EventStore;
use crate::validate::{Invalid, ValidInput, validate};

/// Room for what a stored event adds to its input in an answer: its object
/// type, creation time and the JSON around them.
const RESULT_EXTRA_BYTES: usize = 160;

/// Room for one per-input error of a 207 answer.
const ERROR_BYTES: usize = 512;

/// `POST /integrators/timeline/v3/events`: one event; 201, or 400 when invalid.
pub(super) async fn create(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    let bytes = match read_body(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused.into_response(),
    };
    let input: Input<'_> = match parse_json(&bytes) {
        Ok(input) => input,
        Err(refused) => return refused.into_response(),
    };
    if !matches!(input, Input::Object(_)) {
        return reply::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "The body must be one event: a JSON object.");
    }
    state.stats().inputs_received += 1;
    let checked = validate(&input, &state.templates());
    match checked {
        Ok(valid) => {
            let stored = to_store(&mut state.events(), valid, Utc::now());
            let response = reply::json(StatusCode::CREATED, &stored, bytes.len() + RESULT_EXTRA_BYTES);
            keep(&state, [stored]);
            state.stats().inputs_stored += 1;
            response
        }
        Err(invalid) => {
            state.stats().inputs_rejected += 1;
            let (message, context) = (invalid.message(), invalid.context());
            reply::error_with_details(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message, invalid.problems, context)
        }
    }
}

/// `POST /integrators/timeline/v3/events/batch/create`: 201 when every input
/// is stored, 207 with per-input errors otherwise, or a whole-batch 400.
pub(super) async fn batch_create(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    let requested_at = Utc::now();
    let bytes = match read_body(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused.into_response(),
    };
    let batch: Input<'_> = match parse_json(&bytes) {
        Ok(batch) => batch,
        Err(refused) => return refused.into_response(),
    };
    let Some(Input::Array(inputs)) = batch.get("inputs") else {
        return reply::error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "The body must be a batch: {\"inputs\": [ …events… ]}.",
        );
    };
    let max = state.config.max_batch_inputs;
    if inputs.is_empty() || inputs.len() > max {
        return reply::error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!("A batch must hold between 1 and {max} inputs; this one holds {}.", inputs.len()),
        );
    }

    let started_at = Utc::now();
    state.stats().inputs_received += inputs.len() as u64;
    let checked: Vec<Result<ValidInput, Invalid>> = {
        let templates = state.templates();
        inputs.iter().map(|input| validate(input, &templates)).collect()
    };
    let invalid_count = checked.iter().filter(|checked| checked.is_err()).count();
    if invalid_count > 0 && state.config.reject_invalid_batches {
        state.stats().inputs_rejected += inputs.len() as u64;
        return refuse_whole(checked, inputs.len());
    }

    let mut valid = Vec::with_capacity(checked.len() - invalid_count);
    let mut errors = Vec::with_capacity(invalid_count);
    for checked in checked {
        match checked {
            Ok(input) => valid.push(input),
            Err(invalid) => errors.push(invalid.into_standard_error()),
        }
    }
    let results: Vec<TimelineEventResponse> = {
        let mut events = state.events();
        valid.into_iter().map(|valid| to_store(&mut events, valid, started_at)).collect()
    };
    {
        let mut stats = state.stats();
        stats.inputs_stored += results.len() as u64;
        stats.inputs_rejected += errors.len() as u64;
    }
    let completed_at = Utc::now();
    let capacity = bytes.len() + results.len() * RESULT_EXTRA_BYTES + errors.len() * ERROR_BYTES;
    if errors.is_empty() {
        let body = BatchResponseTimelineEventResponse {
            status: BatchStatus::Complete,
            results,
            requested_at: Some(requested_at),
            started_at,
            completed_at,
            links: None,
        };
        let response = reply::json(StatusCode::CREATED, &body, capacity);
        keep(&state, body.results);
        response
    } else {
        let body = BatchResponseTimelineEventResponseWithErrors {
            status: BatchStatus::Complete,
            results,
            num_errors: Some(i32::try_from(errors.len()).unwrap_or(i32::MAX)),
            errors,
            requested_at: Some(requested_at),
            started_at,
            completed_at,
            links: None,
        };
        let response = reply::json(StatusCode::MULTI_STATUS, &body, capacity);
        keep(&state, body.results);
        response
    }
}

/// `GET /integrators/timeline/v3/events/{template_id}/{event_id}`.
pub(super) async fn get(
    Shared(state): Shared<Arc<State>>,
    Path((template_id, event_id)): Path<(String, String)>,
) -> Response {
    match state.events().get(&template_id, &event_id) {
        Some(event) => Json(event.clone()).into_response(),
        None => reply::error(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("No event with id {event_id} exists for event template {template_id}."),
        ),
    }
}

/// A valid input's event as it will be stored, its contact found or created.
fn to_store(
    events: &mut EventStore,
    ValidInput { event, object_type }: ValidInput,
    now: DateTime<Utc>,
) -> TimelineEventResponse {
    let id = match event.id {
        Some(id) if id.contains("{{uuid}}") => id.replace("{{uuid}}", &reply::random_uuid()),
        Some(id) => id,
        None => reply::random_uuid(),
    };
    let mut stored = TimelineEventResponse {
        id,
        object_type,
        event_template_id: event.event_template_id,
        tokens: event.tokens,
        object_id: event.object_id,
        email: event.email,
        utk: event.utk,
        domain: event.domain,
        timestamp: Some(event.timestamp.unwrap_or(now)),
        extra_data: event.extra_data,
        timeline_i_frame: event.timeline_i_frame,
        created_at: Some(now),
        custom_object_type_id: event.custom_object_type_id,
    };
    events.resolve_contact(&mut stored);
    stored
}

/// Stores the events, each replacing any earlier event with its template and id.
///
/// Called once the answer is written, so that the events move into the store
/// instead of being copied for the answer.
fn keep(state: &State, stored: impl IntoIterator<Item = TimelineEventResponse>) {
    let mut events = state.events();
    for event in stored {
        events.put(event);
    }
}

/// The 400 of a batch refused whole: one detail per problem, located by input index.
fn refuse_whole(checked: Vec<Result<ValidInput, Invalid>>, total: usize) -> Response {
    let mut details = Vec::new();
    let mut invalid_inputs = 0;
    for (index, invalid) in checked.into_iter().enumerate().filter_map(|(index, checked)| Some((index, checked.err()?)))
    {
        invalid_inputs += 1;
        let context = invalid.context();
        details.extend(invalid.problems.into_iter().map(|problem| ErrorDetail {
            in_: Some(format!("inputs[{index}].{}", problem.in_.as_deref().unwrap_or(""))),
            context: (!context.is_empty()).then(|| context.clone()),
            ..problem
        }));
    }
    reply::error_with_details(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        format!("{invalid_inputs} of {total} inputs are invalid, so none was stored; fix or drop them and resend."),
        details,
        BTreeMap::new(),
    )
}
