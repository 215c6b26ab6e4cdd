//! HubSpot's answer shapes as the relay writes them: JSON bodies, the
//! `Error` body with a correlation id (and its `X-HubSpot-Correlation-Id`
//! header), and the one-line refusals of a request.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use timeline_core::wire::{ApiError, StandardError};

/// A random version-4 UUID, HubSpot's form of a correlation id.
pub(crate) fn correlation_id() -> String {
    let (high, low) = (fastrand::u64(..), fastrand::u64(..));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0x0fff,
        ((low >> 48) & 0x3fff) | 0x8000,
        low & 0xffff_ffff_ffff
    )
}

/// An answer with `body` as JSON; a body that cannot be written is a 500.
pub(crate) fn json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
        }
        Err(problem) => error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", problem.to_string()),
    }
}

/// An answer with HubSpot's `Error` body: `category` and `message`.
pub(crate) fn error(status: StatusCode, category: &str, message: impl Into<String>) -> Response {
    let mut body = ApiError::default();
    body.category = category.to_owned();
    body.message = message.into();
    api_error(status, body)
}

/// An answer with this `Error` body, given `status: "error"` and a fresh
/// correlation id (also in the `X-HubSpot-Correlation-Id` header).
pub(crate) fn api_error(status: StatusCode, mut body: ApiError) -> Response {
    body.status = Some("error".to_owned());
    body.correlation_id = correlation_id();
    let mut response = json(status, &body);
    if let Ok(value) = HeaderValue::from_str(&body.correlation_id) {
        response.headers_mut().insert("x-hubspot-correlation-id", value);
    }
    response
}

/// The `Error` answer of one input's error, as HubSpot answers a single
/// create that fails: the error's category, message, details and context.
pub(crate) fn single_error(status: StatusCode, error: StandardError) -> Response {
    let mut body = ApiError::default();
    body.category = error.category;
    body.message = error.message;
    body.context = (!error.context.is_empty()).then_some(error.context);
    body.errors = error.errors;
    api_error(status, body)
}

/// A per-input error of a batch answer (category `VALIDATION_ERROR`),
/// naming the input's id in its context when it has one.
pub(crate) fn input_error(id: Option<&str>, message: impl Into<String>) -> StandardError {
    let context: BTreeMap<String, Vec<String>> =
        id.map(|id| ("id".to_owned(), vec![id.to_owned()])).into_iter().collect();
    let mut error = StandardError::default();
    error.status = "error".to_owned();
    error.category = "VALIDATION_ERROR".to_owned();
    error.message = message.into();
    error.context = context;
    error
}

/// An error answer that ends a request early; boxed, since answers are large.
#[derive(Debug)]
pub(crate) struct Refusal(Box<Response>);

impl From<Response> for Refusal {
    fn from(response: Response) -> Self {
        Refusal(Box::new(response))
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        *self.0
    }
}
