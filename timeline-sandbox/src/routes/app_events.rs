//! App-event routes, on HubSpot's date-versioned paths and their `/v4/`
//! equivalents: one occurrence, a batch of them (both atomic), and the
//! resolution of a type's fully-qualified name.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Extension, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use timeline_core::wire::{BatchStatus, ErrorDetail};

use super::{parse_json, read_body};
use crate::accounts::Portal;
use crate::app_events::{Checked, StoredOccurrence, check_occurrence};
use crate::json::Json as Input;
use crate::reply;
use crate::state::State;
use crate::validate::Invalid;

/// The prefixes app-event routes are served under: HubSpot's date-versioned
/// one and the `/v4/` one its documentation names.
pub(crate) const PREFIXES: [&str; 2] = ["/integrators/timeline/2026-03", "/integrators/timeline/v4"];

/// Room for what an answer adds to each occurrence of its body.
const RESULT_EXTRA_BYTES: usize = 64;

/// The body of a batch's 200: HubSpot's `BatchResponseAppEventOccurrence`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchResponse<'a> {
    status: BatchStatus,
    results: Vec<&'a crate::AppEventOccurrence>,
    requested_at: DateTime<Utc>,
    started_at: DateTime<Utc>,
    completed_at: DateTime<Utc>,
}

/// `POST …/events`: one occurrence; 201 with it as stored, 400 when it is
/// invalid, 409 when an occurrence of its type with its id exists.
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
        return reply::error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "The body must be one occurrence: a JSON object.",
        );
    }
    let inputs = std::slice::from_ref(&input);
    answer(&state, portal, inputs, bytes.len(), Shape::Single, Utc::now())
}

/// `POST …/events/batch`: 200 with every occurrence stored, or nothing
/// stored and 400 (an invalid occurrence, an id given twice, too many
/// occurrences) or 409 (an occurrence exists).
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
            "The body must be a batch: {\"inputs\": [ …occurrences… ]}.",
        );
    };
    let max = state.config.max_app_event_batch_inputs;
    if inputs.is_empty() || inputs.len() > max {
        return reply::error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!(
                "A batch must hold between 1 and {max} occurrences; this one holds {}, so none was stored.",
                inputs.len()
            ),
        );
    }
    answer(&state, portal, inputs, bytes.len(), Shape::Batch, requested_at)
}

/// Whether a request sent one occurrence or a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Single,
    Batch,
}

impl Shape {
    /// Where a field of the input at `index` is, in an error detail.
    fn location(self, index: usize, field: &str) -> String {
        match (self, field) {
            (Shape::Single, _) => field.to_owned(),
            (Shape::Batch, "") => format!("inputs[{index}]"),
            (Shape::Batch, _) => format!("inputs[{index}].{field}"),
        }
    }
}

/// Counts, checks and stores the occurrences of one request, all or none.
fn answer(
    state: &State,
    portal: u64,
    inputs: &[Input<'_>],
    body_bytes: usize,
    shape: Shape,
    requested_at: DateTime<Utc>,
) -> Response {
    let started_at = Utc::now();
    let received = inputs.len() as u64;
    state.counters().add(Some(portal), |stats| stats.inputs_received += received);
    count_received(state, inputs);
    let checked: Vec<Result<Checked, Invalid>> =
        inputs.iter().map(|input| check_occurrence(input, &state.app_event_types)).collect();
    let checked = refuse_repeats_within(checked);
    let refuse = |response: Response| {
        state.counters().add(Some(portal), |stats| stats.inputs_rejected += received);
        response
    };
    if checked.iter().any(Result::is_err) {
        return refuse(invalid(checked, shape));
    }
    let mut valid: Vec<Checked> = checked.into_iter().flatten().collect();
    // Held until the occurrences are stored, so that a concurrent request
    // with the same ids sees them.
    let mut store = state.app_events();
    let existing: Vec<(usize, &str)> = valid
        .iter()
        .enumerate()
        .filter(|(_, checked)| store.contains(&checked.type_uid, &checked.occurrence.id))
        .map(|(index, checked)| (index, checked.occurrence.id.as_str()))
        .collect();
    if !existing.is_empty() {
        let response = conflict(&existing, inputs.len(), shape, state.config.app_event_conflicts_name_ids);
        drop(store);
        return refuse(response);
    }
    // Stored to the millisecond, the precision the answers are written in.
    let stored_at = started_at.trunc_subsecs(3);
    for checked in &mut valid {
        checked.occurrence.timestamp.get_or_insert(stored_at);
    }
    let occurrences: Vec<&crate::AppEventOccurrence> = valid.iter().map(|checked| &checked.occurrence).collect();
    let capacity = body_bytes + inputs.len() * RESULT_EXTRA_BYTES;
    let response = match shape {
        Shape::Single => reply::json(StatusCode::CREATED, occurrences[0], capacity),
        Shape::Batch => {
            let body = BatchResponse {
                status: BatchStatus::Complete,
                results: occurrences,
                requested_at,
                started_at,
                completed_at: Utc::now(),
            };
            reply::json(StatusCode::OK, &body, capacity)
        }
    };
    for Checked { type_uid, occurrence } in valid {
        store.put(StoredOccurrence { type_uid, occurrence, portal });
    }
    drop(store);
    state.counters().add(Some(portal), |stats| stats.inputs_stored += received);
    response
}

/// Counts every input that names a type and an id, by the type's uid (or
/// the name as sent, for a type the sandbox does not know) and the id.
fn count_received(state: &State, inputs: &[Input<'_>]) {
    let mut counts = state.app_events_received();
    for input in inputs {
        let (Some(Input::String(name)), Some(Input::String(id))) = (input.get("eventTypeName"), input.get("id")) else {
            continue;
        };
        let key = state.app_event_types.get(name).map_or(name.as_ref(), |kind| kind.uid.as_str());
        counts.add(key, id);
    }
}

/// Refuses every valid occurrence whose (type, id) an earlier occurrence
/// of the same request has.
fn refuse_repeats_within(checked: Vec<Result<Checked, Invalid>>) -> Vec<Result<Checked, Invalid>> {
    let mut first_index: HashMap<(String, String), usize> = HashMap::new();
    checked
        .into_iter()
        .enumerate()
        .map(|(index, checked)| {
            let checked = checked?;
            let key = (checked.type_uid.clone(), checked.occurrence.id.clone());
            match first_index.get(&key) {
                Some(first) => {
                    let mut problem = ErrorDetail::new(format!(
                        "occurrence id `{}` of app event {} is also the id of inputs[{first}]; \
                         ids must be unique per event type",
                        key.1, key.0
                    ));
                    problem.code = Some("DUPLICATE_ID".to_owned());
                    problem.in_ = Some("id".to_owned());
                    Err(Invalid { id: Some(key.1), problems: vec![problem] })
                }
                None => {
                    first_index.insert(key, index);
                    Ok(checked)
                }
            }
        })
        .collect()
}

/// The 400 of a request with invalid occurrences: one detail per problem,
/// located by input index, each with the input's index and id as context.
fn invalid(checked: Vec<Result<Checked, Invalid>>, shape: Shape) -> Response {
    let total = checked.len();
    let mut details = Vec::new();
    let mut indexes = Vec::new();
    let mut ids = Vec::new();
    for (index, invalid) in checked.into_iter().enumerate().filter_map(|(index, checked)| Some((index, checked.err()?)))
    {
        indexes.push(index.to_string());
        let mut context = BTreeMap::from([("index".to_owned(), vec![index.to_string()])]);
        if let Some(id) = &invalid.id {
            ids.push(id.clone());
            context.insert("id".to_owned(), vec![id.clone()]);
        }
        details.extend(invalid.problems.into_iter().map(|mut problem| {
            problem.in_ = Some(shape.location(index, problem.in_.as_deref().unwrap_or("")));
            problem.context = Some(context.clone());
            problem
        }));
    }
    let message = match shape {
        Shape::Single => format!(
            "The occurrence is invalid, so it was not stored: {}",
            details.iter().map(|detail| detail.message.as_str()).collect::<Vec<_>>().join("; ")
        ),
        Shape::Batch => format!(
            "{} of {total} occurrences are invalid, so none was stored; fix or drop them and resend.",
            indexes.len()
        ),
    };
    let mut context = BTreeMap::from([("indexes".to_owned(), indexes)]);
    if !ids.is_empty() {
        context.insert("ids".to_owned(), ids);
    }
    reply::error_with_details(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message, details, context)
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

/// HubSpot's `ExternalAppEventResolutionRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResolutionRequest {
    developer_symbol: String,
    project_name: String,
}

/// HubSpot's `DeveloperQualifiedSymbol`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DeveloperQualifiedSymbol {
    developer_symbol: String,
    project_name: String,
}

/// HubSpot's `AppEventResolutionResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResolutionResponse {
    fully_qualified_name: String,
    developer_qualified_symbol: DeveloperQualifiedSymbol,
}

/// `POST …/types/projects`: the fully-qualified name of the type whose uid
/// is `developerSymbol` in the project `projectName`; 404 for unknown
/// coordinates.
pub(super) async fn resolve_type(Shared(state): Shared<Arc<State>>, body: Body) -> Response {
    let bytes = match read_body(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused.into_response(),
    };
    let request: ResolutionRequest = match parse_json(&bytes) {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    let project_known = state.config.app_event_project.as_ref().is_none_or(|project| *project == request.project_name);
    let kind = state.app_event_types.get(&request.developer_symbol).filter(|kind| kind.uid == request.developer_symbol);
    match kind.filter(|_| project_known) {
        Some(kind) => reply::json(
            StatusCode::OK,
            &ResolutionResponse {
                fully_qualified_name: kind.fully_qualified_name.clone(),
                developer_qualified_symbol: DeveloperQualifiedSymbol {
                    developer_symbol: request.developer_symbol,
                    project_name: request.project_name,
                },
            },
            bytes.len() + RESULT_EXTRA_BYTES,
        ),
        None => reply::error(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("There is no app event type `{}` in project `{}`.", request.developer_symbol, request.project_name),
        ),
    }
}
