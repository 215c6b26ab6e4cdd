//! App-event routes, on HubSpot's date-versioned paths and their `/v4/`
//! equivalents: one occurrence, a batch of them (both atomic), and the
//! resolution of a type's fully-qualified name.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State as Shared;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{SubsecRound, Utc};
use timeline_core::check::{self, Json as Input, Shape};
use timeline_core::wire::{
    AppEventResolutionResponse, BatchResponse, BatchStatus, DeveloperQualifiedSymbol, ErrorDetail,
    ExternalAppEventResolutionRequest,
};

use super::{EventRoute, Received, parse_json, read_body};
use crate::app_events::StoredOccurrence;
use crate::reply;
use crate::state::State;
use crate::templates::TemplateStore;

/// The prefixes app-event routes are served under: HubSpot's date-versioned
/// one and the `/v4/` one its documentation names.
pub(crate) const PREFIXES: [&str; 2] = ["/integrators/timeline/2026-03", "/integrators/timeline/v4"];

/// Room for what an answer adds to each occurrence of its body.
const RESULT_EXTRA_BYTES: usize = 64;

/// The app-event routes: `POST …/events` (one occurrence: 201 with it as
/// stored, 400 when it is invalid, 409 when an occurrence of its type with
/// its id exists) and `POST …/events/batch` (200 with every occurrence
/// stored, or nothing stored and 400 for an invalid occurrence, an id given
/// twice or too many occurrences, or 409 when an occurrence exists).
pub(super) const ROUTE: EventRoute = EventRoute {
    one: "occurrence",
    many: "occurrences",
    counted: "occurrences",
    tail: ", so none was stored",
    max: |config| config.max_app_event_batch_inputs,
    answer,
};

/// Counts, checks and stores the occurrences of one request, all or none.
fn answer(state: &State, account: u64, inputs: &[Input<'_>], shape: Shape, received: Received) -> Response {
    let (started_at, count) = (received.started_at, inputs.len() as u64);
    let checked = {
        let templates = state.templates();
        count_received(state, &templates, inputs);
        check::app_event_batch(inputs, templates.types())
    };
    let refuse = |response: Response| {
        state.counters().add(Some(account), |stats| stats.inputs_rejected += count);
        response
    };
    if checked.iter().any(Result::is_err) {
        return refuse(reply::api_error(StatusCode::BAD_REQUEST, check::app_event_refusal(checked, shape)));
    }
    let mut valid: Vec<_> = checked.into_iter().flatten().collect();
    // Held until the occurrences are stored, so that a concurrent request
    // with the same ids sees them.
    let mut store = state.app_events();
    let existing: Vec<(usize, &str)> = valid
        .iter()
        .enumerate()
        .filter(|(_, valid)| store.contains(&valid.event_type, &valid.input.id))
        .map(|(index, valid)| (index, valid.input.id.as_str()))
        .collect();
    if !existing.is_empty() {
        let response = conflict(&existing, inputs.len(), shape, state.config.app_event_conflicts_name_ids);
        drop(store);
        return refuse(response);
    }
    // Stored to the millisecond, the precision the answers are written in.
    let stored_at = started_at.trunc_subsecs(3);
    for valid in &mut valid {
        valid.input.timestamp.get_or_insert(stored_at);
    }
    let occurrences: Vec<&crate::AppEventOccurrence> = valid.iter().map(|valid| &valid.input).collect();
    let capacity = received.bytes + inputs.len() * RESULT_EXTRA_BYTES;
    let response = match shape {
        Shape::Single => reply::json(StatusCode::CREATED, occurrences[0], capacity),
        Shape::Batch => {
            let mut body = BatchResponse::new(BatchStatus::Complete, occurrences, started_at, Utc::now());
            body.requested_at = Some(received.requested_at);
            reply::json(StatusCode::OK, &body, capacity)
        }
    };
    for valid in valid {
        store.put(StoredOccurrence { type_uid: valid.event_type, occurrence: valid.input, account });
    }
    drop(store);
    state.counters().add(Some(account), |stats| stats.inputs_stored += count);
    response
}

/// Counts every input that names a type and an id, by the type's uid (or
/// the name as sent, for a type the sandbox does not know) and the id.
fn count_received(state: &State, templates: &TemplateStore, inputs: &[Input<'_>]) {
    let mut counts = state.app_events_received();
    for input in inputs {
        let (Some(Input::String(name)), Some(Input::String(id))) = (input.get("eventTypeName"), input.get("id")) else {
            continue;
        };
        counts.add(templates.app_event_uid(name), id);
    }
}

/// The 409 of a request with occurrences that exist: their ids named, or not.
fn conflict(existing: &[(usize, &str)], total: usize, shape: Shape, name_ids: bool) -> Response {
    let nothing_stored = if shape == Shape::Single { "it was not stored" } else { "none was stored" };
    if !name_ids {
        return reply::error(
            StatusCode::CONFLICT,
            "CONFLICT",
            format!("An occurrence in the request already exists; occurrences are immutable, so {nothing_stored}."),
        );
    }
    let ids: Vec<String> = existing.iter().map(|(_, id)| (*id).to_owned()).collect();
    let details = existing
        .iter()
        .map(|&(index, id)| {
            let mut detail =
                ErrorDetail::new(format!("an occurrence with id `{id}` already exists for its event type"));
            detail.code = Some("OCCURRENCE_EXISTS".to_owned());
            detail.in_ = Some(shape.location(index, "id"));
            detail.context = Some(BTreeMap::from([
                ("index".to_owned(), vec![index.to_string()]),
                ("id".to_owned(), vec![id.to_owned()]),
            ]));
            detail
        })
        .collect();
    reply::error_with_details(
        StatusCode::CONFLICT,
        "CONFLICT",
        format!(
            "{} of {total} occurrences already exist (ids {}); occurrences are immutable, so {nothing_stored}.",
            ids.len(),
            ids.join(", ")
        ),
        details,
        BTreeMap::from([("ids".to_owned(), ids)]),
    )
}

/// `POST …/types/projects`: the fully-qualified name of the type whose uid
/// is `developerSymbol` in the project `projectName`; 404 for unknown
/// coordinates.
pub(super) async fn resolve_type(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    let bytes = match read_body(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused.into_response(),
    };
    let request: ExternalAppEventResolutionRequest = match parse_json(&bytes) {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    let project_known = state.config.app_event_project.as_ref().is_none_or(|project| *project == request.project_name);
    let name = state.templates().fully_qualified_name(&request.developer_symbol);
    match name.filter(|_| project_known) {
        Some(name) => {
            let symbol = DeveloperQualifiedSymbol {
                developer_symbol: request.developer_symbol,
                project_name: request.project_name,
            };
            let answer = AppEventResolutionResponse::new(name, symbol);
            reply::json(StatusCode::OK, &answer, bytes.len() + RESULT_EXTRA_BYTES)
        }
        None => reply::error(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("There is no app event type `{}` in project `{}`.", request.developer_symbol, request.project_name),
        ),
    }
}
