//! The HTTP routes, the gate in front of HubSpot's API routes (latency,
//! faults, authentication and rate limiting) and the first steps every
//! event route shares (reading, parsing and counting the inputs of a body).

mod app_events;
mod events;
mod inspect;
mod oauth;
mod templates;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Request, State as Shared};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use timeline_core::check::{Json, Shape};

use crate::accounts::Account;
use crate::auth::{self, Caller, Denied, Scheme};
use crate::config::Config;
use crate::faults::Fault;
use crate::rate_limit::Admission;
use crate::reply::{self, Refusal};
use crate::state::State;

/// Marks an answer whose connection must close without it being sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CloseConnection;

/// The prefix of the event routes.
const EVENTS: &str = "/integrators/timeline/v3/events";

/// Every route of the sandbox.
pub(crate) fn router(state: Arc<State>) -> Router {
    let templates = "/integrators/timeline/v3/{app_id}/event-templates";
    let mut api = Router::new();
    for prefix in app_events::PREFIXES {
        api = api
            .route(&format!("{prefix}/events"), post(|s, p, b| receive(&app_events::ROUTE, Shape::Single, s, p, b)))
            .route(
                &format!("{prefix}/events/batch"),
                post(|s, p, b| receive(&app_events::ROUTE, Shape::Batch, s, p, b)),
            )
            .route(&format!("{prefix}/types/projects"), post(app_events::resolve_type));
    }
    let api = api
        .route(EVENTS, post(|s, p, b| receive(&events::ROUTE, Shape::Single, s, p, b)))
        .route(&format!("{EVENTS}/batch/create"), post(|s, p, b| receive(&events::ROUTE, Shape::Batch, s, p, b)))
        .route(&format!("{EVENTS}/{{template_id}}/{{event_id}}"), get(events::get))
        .route(templates, get(templates::list).post(templates::create))
        .route(
            &format!("{templates}/{{template_id}}"),
            get(templates::get).put(templates::update).delete(templates::delete),
        )
        .route(&format!("{templates}/{{template_id}}/tokens"), post(templates::create_token))
        .route(
            &format!("{templates}/{{template_id}}/tokens/{{token_name}}"),
            put(templates::update_token).delete(templates::delete_token),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), gate));
    let mut oauth = Router::new()
        .route("/oauth/v1/token", post(oauth::v1::token))
        .route("/oauth/v1/access-tokens/{token}", get(oauth::v1::access_token))
        .route(
            "/oauth/v1/refresh-tokens/{token}",
            get(oauth::v1::refresh_token).delete(oauth::v1::delete_refresh_token),
        );
    for prefix in oauth::v2026_03::PREFIXES {
        oauth = oauth
            .route(&format!("{prefix}/token"), post(oauth::v2026_03::token))
            .route(&format!("{prefix}/token/introspect"), post(oauth::v2026_03::introspect))
            .route(&format!("{prefix}/token/revoke"), post(oauth::v2026_03::revoke));
    }
    Router::new()
        .merge(api)
        .merge(oauth)
        .route("/_sandbox/events", get(inspect::events))
        .route("/_sandbox/stats", get(inspect::stats))
        .route("/_sandbox/received", get(inspect::received))
        .route("/_sandbox/app-events", get(inspect::app_events))
        .route("/_sandbox/app-events/received", get(inspect::app_events_received))
        .route("/_sandbox/reset", post(inspect::reset))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// Latency, faults, authentication and the rate limit, in that order.
async fn gate(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    if !state.config.latency.is_zero() {
        tokio::time::sleep(state.config.latency).await;
    }
    let fault = state.faults().next_fault();
    if fault != Fault::Pass {
        state.counters().add(None, |stats| stats.faults_injected += 1);
    }
    let close = match fault {
        Fault::Status(status) => return reply::injected(status, None),
        Fault::StatusRetryAfter(status, after) => return reply::injected(status, Some(after)),
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            false
        }
        Fault::CloseAfterStore => true,
        Fault::Pass => false,
    };

    let mut response = authorized(&state, request, next).await;
    if close {
        response.extensions_mut().insert(CloseConnection);
    }
    response
}

/// Runs the request if its credential is valid and within its window; the
/// request and its answer carry the caller's [`Account`] when it has one.
async fn authorized(state: &State, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let event_route = path.starts_with(EVENTS)
        || app_events::PREFIXES
            .iter()
            .any(|prefix| path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with("/events")));
    let scheme = if event_route { Scheme::Bearer } else { Scheme::DeveloperOrBearer };
    let Caller { account, window, oauth } =
        match auth::authenticate(state, scheme, request.headers(), request.uri().query()) {
            Ok(caller) => caller,
            Err(Denied { account, refusal }) => return for_account(refusal.into_response(), account),
        };
    if let Some(account) = account {
        request.extensions_mut().insert(Account(account));
    }
    let admission = state.limiter().admit(window, Instant::now(), !oauth);
    let response = match admission {
        Admission::Refused(policy, limits) => {
            state.counters().add(account, |stats| stats.rate_limited += 1);
            let mut response = reply::rate_limited(policy, None);
            reply::set_limit_headers(response.headers_mut(), &limits);
            response
        }
        Admission::Admitted(limits) => {
            let mut response = next.run(request).await;
            reply::set_limit_headers(response.headers_mut(), &limits);
            response
        }
    };
    for_account(response, account)
}

/// Marks an answer as given to `account`'s request, for the counters.
fn for_account(mut response: Response, account: Option<u64>) -> Response {
    if let Some(account) = account {
        response.extensions_mut().insert(Account(account));
    }
    response
}

/// The answer to a path the sandbox does not serve.
async fn not_found(request: Request) -> Response {
    reply::error(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        format!("{} {} is not an endpoint of the timeline API", request.method(), request.uri().path()),
    )
}

/// The answer to a method a path does not take.
async fn method_not_allowed(request: Request) -> Response {
    reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{} is not allowed on {}", request.method(), request.uri().path()),
    )
}

/// Reads a body of at most `limit` bytes; a larger one gets 413.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, Refusal> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "VALIDATION_ERROR",
            format!("The request body is larger than {limit} bytes; send fewer inputs per request."),
        )
        .into()
    })
}

/// Parses a JSON body into `T`; malformed JSON or the wrong shape gets 400.
pub(crate) fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, Refusal> {
    serde_json::from_slice(bytes).map_err(|error| {
        reply::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", format!("Invalid input JSON: {error}")).into()
    })
}

/// What sets the two kinds of event routes apart (v3 events, app events).
struct EventRoute {
    /// One input, for a body that is not one: `event` or `occurrence`.
    one: &'static str,
    /// Inputs, in the shape of a batch: `events` or `occurrences`.
    many: &'static str,
    /// Inputs, counted: `inputs` or `occurrences`.
    counted: &'static str,
    /// What a refusal of a batch's size adds: nothing, or that none was stored.
    tail: &'static str,
    /// The most inputs a batch may hold.
    max: fn(&Config) -> usize,
    /// Checks, stores and answers the inputs of one request of an account.
    answer: fn(&State, u64, &[Json<'_>], Shape, Received) -> Response,
}

/// A request's body, as far as the answer needs it.
#[derive(Debug, Clone, Copy)]
struct Received {
    /// Its size in bytes.
    bytes: usize,
    /// When it arrived.
    requested_at: DateTime<Utc>,
    /// When its inputs were found and counted.
    started_at: DateTime<Utc>,
}

/// Every event route (`shape` tells one input from a batch): reads and
/// parses the body, finds its inputs (the body itself, or a batch's 1 to
/// `max` `inputs`; a body without gets a 4xx), counts them for the account
/// and has the route answer them.
async fn receive(
    route: &EventRoute,
    shape: Shape,
    Shared(state): Shared<Arc<State>>,
    Extension(Account(account)): Extension<Account>,
    body: Body,
) -> Response {
    let requested_at = Utc::now();
    let bytes = match read_body(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused.into_response(),
    };
    let json: Json<'_> = match parse_json(&bytes) {
        Ok(json) => json,
        Err(refused) => return refused.into_response(),
    };
    let inputs = match (shape, &json) {
        (Shape::Single, Json::Object(_)) => std::slice::from_ref(&json),
        (Shape::Single, _) => {
            let message = format!("The body must be one {}: a JSON object.", route.one);
            return reply::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message);
        }
        (Shape::Batch, _) => {
            let Some(Json::Array(inputs)) = json.get("inputs") else {
                let message = format!("The body must be a batch: {{\"inputs\": [ …{}… ]}}.", route.many);
                return reply::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message);
            };
            let max = (route.max)(&state.config);
            if inputs.is_empty() || inputs.len() > max {
                let (counted, held, tail) = (route.counted, inputs.len(), route.tail);
                let message = format!("A batch must hold between 1 and {max} {counted}; this one holds {held}{tail}.");
                return reply::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message);
            }
            inputs
        }
    };
    let started_at = Utc::now();
    let count = inputs.len() as u64;
    state.counters().add(Some(account), |stats| stats.inputs_received += count);
    (route.answer)(&state, account, inputs, shape, Received { bytes: bytes.len(), requested_at, started_at })
}
