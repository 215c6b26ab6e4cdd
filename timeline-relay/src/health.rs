//! `/healthz` (the process serves) and `/readyz` (its outbox answers).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::hubspot;
use crate::state::RelayState;
use crate::status;

/// `GET /healthz`: 200 while the relay serves.
pub(crate) async fn live() -> Response {
    hubspot::json(StatusCode::OK, &json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the outbox answers, 503 otherwise.
pub(crate) async fn ready(State(relay): State<Arc<RelayState>>) -> Response {
    match relay.dispatcher.outbox().depth().await {
        Ok(depth) => hubspot::json(StatusCode::OK, &json!({ "status": "ready", "undelivered": depth.undelivered })),
        Err(error) => status::outbox_unavailable(&error),
    }
}
