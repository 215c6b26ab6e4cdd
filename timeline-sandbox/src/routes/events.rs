//! Event routes: create, batch create and get.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use timeline_core::wire::{
    BatchResponseTimelineEventResponse, BatchResponseTimelineEventResponseWithErrors, BatchStatus, ErrorDetail,
    StandardError, TimelineEventResponse,
};

use super::{parse_json, read_body};
use crate::accounts::Portal;
use crate::duplicates::{self, Accepted, UUID_PLACEHOLDER, Verdict};
use crate::json::Json as Input;
use crate::reply;
use crate::state::State;
use crate::stats::Stats;
use crate::store::{EventStore, SentFields, StoredEvent};
use crate::validate::{Invalid, ValidInput, validate};

/// Room for what a stored event adds to its input in an answer: its object
/// type, creation time and the JSON around them.
const RESULT_EXTRA_BYTES: usize = 160;

/// Room for one per-input error of a 207 answer.
const ERROR_BYTES: usize = 512;

/// `POST /integrators/timeline/v3/events`: one event; 201, or 400 when
/// invalid or its id is already in use.
pub(super) async fn create(
    Shared(state): Shared<Arc<State>>,
    Extension(Portal(portal)): Extension<Portal>,
    body: Body,
) -> Response {
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
    state.counters().add(Some(portal), |stats| stats.inputs_received += 1);
    state.received().count([&input]);
    let checked = validate(&input, &state.templates());
    let mut events = state.events();
    let screened = duplicates::screen(state.config.duplicate_ids, vec![checked], &events, portal);
    let answer = Answer::of(&mut events, screened, Utc::now());
    state.counters().add(Some(portal), |stats| answer.count(stats));
    let Answer { results, errors, fresh } = answer;
    if let Some(error) = errors.into_iter().next() {
        return reply::error_with_details(
            StatusCode::BAD_REQUEST,
            &error.category,
            error.message,
            error.errors,
            error.context,
        );
    }
    // One input with no error has exactly one result.
    let response = reply::json(StatusCode::CREATED, &results[0], bytes.len() + RESULT_EXTRA_BYTES);
    keep(&mut events, results, fresh, portal);
    response
}

/// `POST /integrators/timeline/v3/events/batch/create`: 201 when every input
/// is answered as created, 207 with per-input errors otherwise, or a
/// whole-batch 400.
pub(super) async fn batch_create(
    Shared(state): Shared<Arc<State>>,
    Extension(Portal(portal)): Extension<Portal>,
    body: Body,
) -> Response {
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
    let received = inputs.len() as u64;
    state.counters().add(Some(portal), |stats| stats.inputs_received += received);
    state.received().count(inputs);
    let checked: Vec<Result<ValidInput, Invalid>> = {
        let templates = state.templates();
        inputs.iter().map(|input| validate(input, &templates)).collect()
    };
    // Held until the new events are kept, so that a concurrent request with
    // the same ids sees them.
    let mut events = state.events();
    let screened = duplicates::screen(state.config.duplicate_ids, checked, &events, portal);
    let invalid_count = screened.iter().filter(|screened| screened.is_err()).count();
    if invalid_count > 0 && state.config.reject_invalid_batches {
        drop(events);
        state.counters().add(Some(portal), |stats| stats.inputs_rejected += received);
        return refuse_whole(screened, inputs.len());
    }

    let answer = Answer::of(&mut events, screened, started_at);
    state.counters().add(Some(portal), |stats| answer.count(stats));
    let completed_at = Utc::now();
    let capacity = bytes.len() + answer.results.len() * RESULT_EXTRA_BYTES + answer.errors.len() * ERROR_BYTES;
    let Answer { results, errors, fresh } = answer;
    if errors.is_empty() {
        let mut body =
            BatchResponseTimelineEventResponse::new(BatchStatus::Complete, results, started_at, completed_at);
        body.requested_at = Some(requested_at);
        let response = reply::json(StatusCode::CREATED, &body, capacity);
        keep(&mut events, body.results, fresh, portal);
        response
    } else {
        let mut body = BatchResponseTimelineEventResponseWithErrors::new(
            BatchStatus::Complete,
            results,
            errors,
            started_at,
            completed_at,
        );
        body.requested_at = Some(requested_at);
        let response = reply::json(StatusCode::MULTI_STATUS, &body, capacity);
        keep(&mut events, body.results, fresh, portal);
        response
    }
}

/// `GET /integrators/timeline/v3/events/{template_id}/{event_id}`: the
/// caller's account's event; another account's is not found.
pub(super) async fn get(
    Shared(state): Shared<Arc<State>>,
    Extension(Portal(portal)): Extension<Portal>,
    Path((template_id, event_id)): Path<(String, String)>,
) -> Response {
    match state.events().get(&template_id, &event_id).filter(|stored| stored.portal == portal) {
        Some(stored) => Json(stored.event.clone()).into_response(),
        None => reply::error(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("No event with id {event_id} exists for event template {template_id}."),
        ),
    }
}

/// What one request answers: the results in input order, the per-input
/// errors, and for each result whether it is a new event to keep.
struct Answer {
    results: Vec<TimelineEventResponse>,
    errors: Vec<StandardError>,
    /// For each result, what its input carried when it is to be stored, or
    /// `None` when it repeats an event that is stored already.
    fresh: Vec<Option<SentFields>>,
}

impl Answer {
    /// Makes the events of the accepted inputs (finding or creating their
    /// contacts) and the errors of the refused ones.
    fn of(events: &mut EventStore, screened: Vec<Result<Accepted, Invalid>>, now: DateTime<Utc>) -> Self {
        let accepted = screened.iter().filter(|screened| screened.is_ok()).count();
        let mut answer = Answer {
            results: Vec::with_capacity(accepted),
            errors: Vec::with_capacity(screened.len() - accepted),
            fresh: Vec::with_capacity(accepted),
        };
        let mut result_of_input = Vec::with_capacity(screened.len());
        for screened in screened {
            result_of_input.push(answer.results.len());
            let Accepted { input, verdict } = match screened {
                Ok(accepted) => accepted,
                Err(invalid) => {
                    answer.errors.push(invalid.into_standard_error());
                    continue;
                }
            };
            let (result, fresh) = match verdict {
                Verdict::Store => {
                    let (event, sent) = to_store(events, input, now);
                    (event, Some(sent))
                }
                Verdict::SameAsStored(stored) => (*stored, None),
                Verdict::SameAsInput(earlier) => (answer.results[result_of_input[earlier]].clone(), None),
            };
            answer.results.push(result);
            answer.fresh.push(fresh);
        }
        answer
    }

    /// Adds the request's inputs to the counters.
    fn count(&self, stats: &mut Stats) {
        let stored = self.fresh.iter().filter(|fresh| fresh.is_some()).count();
        stats.inputs_stored += stored as u64;
        stats.inputs_identical += (self.results.len() - stored) as u64;
        stats.inputs_rejected += self.errors.len() as u64;
    }
}

/// A valid input's event as it will be stored, its contact found or created,
/// and which of its fields the input carried.
fn to_store(
    events: &mut EventStore,
    ValidInput { event, object_type }: ValidInput,
    now: DateTime<Utc>,
) -> (TimelineEventResponse, SentFields) {
    let sent = SentFields { object_id: event.object_id.is_some(), timestamp: event.timestamp.is_some() };
    let id = match event.id {
        Some(id) if id.contains(UUID_PLACEHOLDER) => id.replace(UUID_PLACEHOLDER, &reply::random_uuid()),
        Some(id) => id,
        None => reply::random_uuid(),
    };
    let mut stored = TimelineEventResponse::new(id, object_type, event.event_template_id);
    stored.tokens = event.tokens;
    stored.object_id = event.object_id;
    stored.email = event.email;
    stored.utk = event.utk;
    stored.domain = event.domain;
    stored.timestamp = Some(event.timestamp.unwrap_or(now));
    stored.extra_data = event.extra_data;
    stored.timeline_i_frame = event.timeline_i_frame;
    stored.created_at = Some(now);
    stored.custom_object_type_id = event.custom_object_type_id;
    events.resolve_contact(&mut stored);
    (stored, sent)
}

/// Stores the new events among `results` for `portal`, each replacing any
/// earlier event with its template and id.
///
/// Called once the answer is written, so that the events move into the store
/// instead of being copied for the answer.
fn keep(events: &mut EventStore, results: Vec<TimelineEventResponse>, fresh: Vec<Option<SentFields>>, portal: u64) {
    for (event, fresh) in results.into_iter().zip(fresh) {
        if let Some(sent) = fresh {
            events.put(StoredEvent { event, sent, portal });
        }
    }
}

/// The 400 of a batch refused whole: one detail per problem, located by input index.
fn refuse_whole(screened: Vec<Result<Accepted, Invalid>>, total: usize) -> Response {
    let mut details = Vec::new();
    let mut invalid_inputs = 0;
    for (index, invalid) in
        screened.into_iter().enumerate().filter_map(|(index, screened)| Some((index, screened.err()?)))
    {
        invalid_inputs += 1;
        let context = invalid.context();
        details.extend(invalid.problems.into_iter().map(|mut problem: ErrorDetail| {
            problem.in_ = Some(format!("inputs[{index}].{}", problem.in_.as_deref().unwrap_or("")));
            problem.context = (!context.is_empty()).then(|| context.clone());
            problem
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
