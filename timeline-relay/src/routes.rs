//! The relay's routes: HubSpot's create paths, the status routes, the
//! health checks, the console and `/metrics`, HubSpot-shaped 405 answers
//! for other methods on those, and everything else forwarded to HubSpot.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use timeline_core::EventKind;
use timeline_core::check::Shape;

use crate::console;
use crate::forward;
use crate::health;
use crate::hubspot;
use crate::intake::{self, APP_EVENT_PREFIXES, TIMELINE_EVENTS};
use crate::state::RelayState;
use crate::status::{self, STATUS_ROUTES};

/// Every route of a relay over `state`.
pub(crate) fn router(state: Arc<RelayState>) -> Router {
    let mut router = Router::new()
        .route(TIMELINE_EVENTS, post(|s, h, b| intake::receive(EventKind::Timeline, Shape::Single, s, h, b)))
        .route(
            &format!("{TIMELINE_EVENTS}/batch/create"),
            post(|s, h, b| intake::receive(EventKind::Timeline, Shape::Batch, s, h, b)),
        );
    for prefix in APP_EVENT_PREFIXES {
        router = router
            .route(
                &format!("{prefix}/events"),
                post(|s, h, b| intake::receive(EventKind::AppEvent, Shape::Single, s, h, b)),
            )
            .route(
                &format!("{prefix}/events/batch"),
                post(|s, h, b| intake::receive(EventKind::AppEvent, Shape::Batch, s, h, b)),
            );
    }
    let operators = operator_routes(&state);
    #[cfg(feature = "metrics")]
    let tracked = state.metrics.is_some();
    let router = router
        .route(&format!("{STATUS_ROUTES}/{{event_type}}/{{id}}"), get(status::one))
        .route(&format!("{STATUS_ROUTES}/status"), post(status::many))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .fallback(forward::forward)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .merge(operators);
    #[cfg(feature = "metrics")]
    let router = if tracked { router.layer(axum::middleware::from_fn(crate::metrics::track)) } else { router };
    router
}

/// The console (or the 404s of a relay without one) and, with the
/// `metrics` feature, `/metrics`.
fn operator_routes(state: &RelayState) -> Router {
    let console = match &state.console {
        Some(console) => console.dispatcher_router(&state.dispatcher),
        None => console::off(),
    };
    #[cfg(feature = "metrics")]
    if let Some(handle) = &state.metrics {
        let outbox = Arc::clone(state.dispatcher.outbox());
        return console.merge(crate::metrics::router(handle.clone(), state.console.clone(), outbox));
    }
    console
}

/// HubSpot's 405 for a method a path does not take.
async fn method_not_allowed(request: Request) -> Response {
    hubspot::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{} is not allowed on {}", request.method(), request.uri().path()),
    )
}
