//! Event routes: create, batch create and get.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use timeline_core::check::{self, Invalid, Json as Input, Shape, Valid};
use timeline_core::wire::{BatchResponse, BatchStatus, ErrorDetail, StandardError, TimelineEventResponse};

use super::{EventRoute, Received};
use crate::accounts::Account;
use crate::duplicates::{self, Accepted, UUID_PLACEHOLDER, ValidInput, Verdict};
use crate::reply;
use crate::state::State;
use crate::stats::Stats;
use crate::store::{EventStore, SentFields, StoredEvent};

/// Room for what a stored event adds to its input in an answer: its object
/// type, creation time and the JSON around them.
const RESULT_EXTRA_BYTES: usize = 160;

/// Room for one per-input error of a 207 answer.
const ERROR_BYTES: usize = 512;

/// The v3 event routes: `POST /integrators/timeline/v3/events` (one event:
/// 201, or 400 when invalid or its id is already in use) and `…/batch/create`
/// (201 when every input is answered as created, 207 with per-input errors
/// otherwise, or a whole-batch 400).
pub(super) const ROUTE: EventRoute = EventRoute {
    one: "event",
    many: "events",
    counted: "inputs",
    tail: "",
    max: |config| config.max_batch_inputs,
    answer,
};

/// Counts, checks and stores the events of one request, and answers.
fn answer(state: &State, account: u64, inputs: &[Input<'_>], shape: Shape, received: Received) -> Response {
    let (started_at, count) = (received.started_at, inputs.len() as u64);
    state.received().count(inputs);
    let checked: Vec<Result<ValidInput, Invalid>> = {
        let templates = state.templates();
        inputs.iter().map(|input| check::timeline_event(input, templates.types())).collect()
    };
    // Held until the new events are kept, so that a concurrent request with
    // the same ids sees them.
    let mut events = state.events();
    let screened = duplicates::screen(state.config.duplicate_ids, checked, &events, account);
    if shape == Shape::Batch && state.config.reject_invalid_batches && screened.iter().any(Result::is_err) {
        drop(events);
        state.counters().add(Some(account), |stats| stats.inputs_rejected += count);
        return refuse_whole(screened, inputs.len());
    }

    let answer = Answer::of(&mut events, screened, started_at);
    state.counters().add(Some(account), |stats| answer.count(stats));
    let completed_at = Utc::now();
    let capacity = received.bytes + answer.results.len() * RESULT_EXTRA_BYTES + answer.errors.len() * ERROR_BYTES;
    let Answer { results, errors, fresh } = answer;
    let (status, mut body) = match shape {
        Shape::Single => {
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
            let response = reply::json(StatusCode::CREATED, &results[0], capacity);
            keep(&mut events, results, fresh, account);
            return response;
        }
        Shape::Batch if errors.is_empty() => {
            (StatusCode::CREATED, BatchResponse::new(BatchStatus::Complete, results, started_at, completed_at))
        }
        Shape::Batch => (
            StatusCode::MULTI_STATUS,
            BatchResponse::new(BatchStatus::Complete, results, started_at, completed_at).with_errors(errors),
        ),
    };
    body.requested_at = Some(received.requested_at);
    let response = reply::json(status, &body, capacity);
    keep(&mut events, body.results, fresh, account);
    response
}

/// `GET /integrators/timeline/v3/events/{template_id}/{event_id}`: the
/// caller's account's event; another account's is not found.
pub(super) async fn get(
    Shared(state): Shared<Arc<State>>,
    Extension(Account(account)): Extension<Account>,
    Path((template_id, event_id)): Path<(String, String)>,
) -> Response {
    match state.events().get(&template_id, &event_id).filter(|stored| stored.account == account) {
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
    Valid { input: event, object_type, .. }: ValidInput,
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

/// Stores the new events among `results` for `account`, each replacing any
/// earlier event with its template and id.
///
/// Called once the answer is written, so that the events move into the store
/// instead of being copied for the answer.
fn keep(events: &mut EventStore, results: Vec<TimelineEventResponse>, fresh: Vec<Option<SentFields>>, account: u64) {
    for (event, fresh) in results.into_iter().zip(fresh) {
        if let Some(sent) = fresh {
            events.put(StoredEvent { event, sent, account });
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
