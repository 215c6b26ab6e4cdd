//! HubSpot's error answers: the `Error` body, the rate-limit body and their headers.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use timeline_core::wire::{ApiError, ErrorDetail, RateLimitError, RateLimitPolicy};

use crate::rate_limit::LimitHeaders;

/// A random version-4 UUID, for correlation ids, tokens and generated event ids.
pub(crate) fn random_uuid() -> String {
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

/// An answer with a JSON body, written into one buffer of `capacity` bytes
/// to start with; like `axum::Json`, a body that cannot be written is a 500.
pub(crate) fn json(status: StatusCode, body: &impl Serialize, capacity: usize) -> Response {
    let mut bytes = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => {
            (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
        }
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))],
            error.to_string(),
        )
            .into_response(),
    }
}

/// An answer with HubSpot's `Error` body.
pub(crate) fn error(status: StatusCode, category: &str, message: impl Into<String>) -> Response {
    error_with_details(status, category, message, Vec::new(), BTreeMap::new())
}

/// An answer with HubSpot's `Error` body, its details and its context.
pub(crate) fn error_with_details(
    status: StatusCode,
    category: &str,
    message: impl Into<String>,
    errors: Vec<ErrorDetail>,
    context: BTreeMap<String, Vec<String>>,
) -> Response {
    let mut body = error_body(category, message);
    body.errors = errors;
    body.context = (!context.is_empty()).then_some(context);
    with_correlation_header(status, body.correlation_id.clone(), Json(body))
}

/// An answer with this `Error` body, given a fresh correlation id.
pub(crate) fn api_error(status: StatusCode, mut body: ApiError) -> Response {
    body.correlation_id = random_uuid();
    with_correlation_header(status, body.correlation_id.clone(), Json(body))
}

/// An answer with HubSpot's `Error` body and its `subCategory`.
pub(crate) fn error_with_sub_category(
    status: StatusCode,
    category: &str,
    sub_category: &str,
    message: impl Into<String>,
) -> Response {
    let mut body = error_body(category, message);
    body.sub_category = Some(sub_category.to_owned());
    with_correlation_header(status, body.correlation_id.clone(), Json(body))
}

/// HubSpot's `Error` body with a fresh correlation id and nothing more.
fn error_body(category: &str, message: impl Into<String>) -> ApiError {
    let mut body = ApiError::default();
    body.status = Some("error".to_owned());
    body.category = category.to_owned();
    body.correlation_id = random_uuid();
    body.message = message.into();
    body
}

/// The 429 answer of a rate-limit policy.
pub(crate) fn rate_limited(policy: RateLimitPolicy, retry_after: Option<Duration>) -> Response {
    let message = match policy {
        RateLimitPolicy::Daily => "You have reached your daily limit.",
        _ => "You have reached your ten_secondly_rolling limit.",
    };
    let mut body = RateLimitError::default();
    body.status = "error".to_owned();
    body.message = message.to_owned();
    body.error_type = "RATE_LIMIT".to_owned();
    body.correlation_id = random_uuid();
    body.policy_name = Some(policy);
    body.request_id = Some(random_uuid());
    let mut response = with_correlation_header(StatusCode::TOO_MANY_REQUESTS, body.correlation_id.clone(), Json(body));
    if let Some(after) = retry_after {
        set_retry_after(response.headers_mut(), after);
    }
    response
}

/// The answer of an injected status fault.
pub(crate) fn injected(status: u16, retry_after: Option<Duration>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::TOO_MANY_REQUESTS {
        return rate_limited(RateLimitPolicy::TenSecondlyRolling, retry_after);
    }
    let (category, message) = match status.as_u16() {
        423 => ("LOCKED", "The account is locked for a bulk operation; try again in 2 seconds."),
        502 => ("BAD_GATEWAY", "Processing limits were hit; pause a few seconds and try again."),
        503 => ("SERVICE_UNAVAILABLE", "The service is temporarily unavailable; try again later."),
        504 => ("GATEWAY_TIMEOUT", "The request timed out; pause a few seconds and try again."),
        _ => ("INTERNAL_ERROR", "An internal error occurred."),
    };
    let mut response = error(status, category, message);
    if let Some(after) = retry_after {
        set_retry_after(response.headers_mut(), after);
    }
    response
}

/// Writes the rate-limit headers.
pub(crate) fn set_limit_headers(headers: &mut HeaderMap, limits: &LimitHeaders) {
    if let Some((max, remaining, window)) = limits.rolling {
        headers.insert("x-hubspot-ratelimit-max", HeaderValue::from(max));
        headers.insert("x-hubspot-ratelimit-remaining", HeaderValue::from(remaining));
        let millis = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        headers.insert("x-hubspot-ratelimit-interval-milliseconds", HeaderValue::from(millis));
    }
    if let Some((max, remaining)) = limits.daily {
        headers.insert("x-hubspot-ratelimit-daily", HeaderValue::from(max));
        headers.insert("x-hubspot-ratelimit-daily-remaining", HeaderValue::from(remaining));
    }
}

/// Writes `Retry-After` in whole seconds, rounded up.
fn set_retry_after(headers: &mut HeaderMap, after: Duration) {
    let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
    headers.insert("retry-after", HeaderValue::from(seconds));
}

/// `body` with `status` and the `X-HubSpot-Correlation-Id` header.
fn with_correlation_header(status: StatusCode, correlation_id: String, body: impl IntoResponse) -> Response {
    let mut response = (status, body).into_response();
    if let Ok(value) = HeaderValue::from_str(&correlation_id) {
        response.headers_mut().insert("x-hubspot-correlation-id", value);
    }
    response
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
