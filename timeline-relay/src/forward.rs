//! Every request the relay does not serve itself goes to HubSpot unchanged
//! (method, path, query, headers but the hop-by-hop ones, body, streamed
//! both ways), and HubSpot's answer comes back unchanged. A request whose bearer token
//! names an account takes a permit of the account's [`RateBudget`] first
//! and shows it the answer's rate-limit headers, so the account's pacing
//! sees all the app's traffic; one without (the token endpoint's) takes
//! none. A token endpoint's answer is kept ([`token_answers`]); a template
//! call's answer teaches a relay without definition files the template
//! ([`LearnedTemplates`]).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderName};
use axum::response::{IntoResponse, Response};
use timeline_core::{RateLimitHeaders, RatePermit};

use crate::hubspot;
use crate::learned_templates::LearnedTemplates;
use crate::state::Definitions;
use crate::state::RelayState;
use crate::status;
use crate::timeline_paths::{template_call, unknown_timeline_path};
use crate::token_answers;

/// Headers that concern one connection, not the request: never forwarded
/// either way (with those the `Connection` header names). `Host` and
/// `Content-Length` are the new connection's own.
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// The relay's fallback: HubSpot's 404 for a timeline path HubSpot does not
/// have either, HubSpot's answer for any other request.
pub(crate) async fn forward(State(relay): State<Arc<RelayState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if unknown_timeline_path(parts.uri.path()) {
        return hubspot::error(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("{} {} is not an endpoint of HubSpot's timeline API", parts.method, parts.uri.path()),
        );
    }
    let limit = relay.settings.max_body_bytes;
    let mut headers = forwarded(&parts.headers);
    let learning = match &relay.definitions {
        Definitions::Learned(learned) => template_call(parts.uri.path()).map(|rest| (learned, rest.to_owned())),
        Definitions::Given(_) => None,
    };
    let reads_template = learning.as_ref().is_some_and(|(_, rest)| LearnedTemplates::reads_answer(&parts.method, rest));
    if reads_template {
        // A plain answer, so that the relay can read the template.
        headers.remove(header::ACCEPT_ENCODING);
    }
    let method = parts.method.clone();
    let (body, token_call) = if token_answers::is_token_call(&parts.method, parts.uri.path()) {
        let Ok(form) = axum::body::to_bytes(body, limit).await else {
            return status::too_large(limit);
        };
        let for_app = token_answers::for_app(&relay, &form);
        if for_app {
            // A plain answer, so that the relay can read the tokens it grants.
            headers.remove(header::ACCEPT_ENCODING);
        }
        (reqwest::Body::from(form), for_app)
    } else if body.size_hint().exact() == Some(0) {
        (reqwest::Body::from(Bytes::new()), false)
    } else {
        // Streamed, with the caller's length when it said one (else chunked, as it came).
        if let Some(length) = parts.headers.get(header::CONTENT_LENGTH) {
            headers.insert(header::CONTENT_LENGTH, length.clone());
        }
        (reqwest::Body::wrap_stream(body.into_data_stream()), false)
    };
    let forwarder = &relay.forwarder;
    let mut permit: Option<Box<dyn RatePermit + '_>> = match relay.token_accounts.account_of(&parts.headers).await {
        Some(account) => match forwarder.budget().acquire(account).await {
            Ok(permit) => Some(permit),
            Err(error) => {
                return hubspot::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "SERVICE_UNAVAILABLE",
                    format!("The relay could not ask the account's rate budget ({error}); try again."),
                );
            }
        },
        None => None,
    };
    let sent =
        forwarder.http().request(parts.method, forwarder.url(&parts.uri)).headers(headers).body(body).send().await;
    let answer = match sent {
        Ok(answer) => answer,
        // Without the URL: its query may hold a developer key.
        Err(error) => return bad_gateway(format!("HubSpot could not be reached ({})", error.without_url())),
    };
    if let Some(permit) = permit.as_mut() {
        permit.observe(&RateLimitHeaders::from_headers(answer.headers()));
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            permit.saturate(retry_after(answer.headers()));
        }
    }
    drop(permit);
    let status = answer.status();
    if token_call && status == StatusCode::OK {
        return match read_whole(answer, limit, "token").await {
            Ok((headers, body)) => {
                token_answers::keep(&relay, &body).await;
                (status, headers, body).into_response()
            }
            Err(refused) => refused,
        };
    }
    if let Some((learned, rest)) = learning {
        if reads_template && status.is_success() {
            return match read_whole(answer, TEMPLATE_ANSWER_BYTES, "template").await {
                Ok((headers, body)) => {
                    learned.learn_from_answer(&method, &rest, status, &body);
                    (status, headers, body).into_response()
                }
                Err(refused) => refused,
            };
        }
        learned.learn_from_answer(&method, &rest, status, &[]);
    }
    let mut answer: axum::http::Response<reqwest::Body> = answer.into();
    strip_hop_by_hop(answer.headers_mut());
    answer.map(Body::new).into_response()
}

/// The most bytes of a template answer (a list holds every template of
/// the app) the relay reads to learn from it.
const TEMPLATE_ANSWER_BYTES: usize = 32 << 20;

/// An answer the relay reads (a token answer, a template), read whole, at
/// most `limit` bytes, to be answered unchanged: its headers (without the
/// hop-by-hop ones) and body; a `502` when it cannot be read.
async fn read_whole(answer: reqwest::Response, limit: usize, what: &str) -> Result<(HeaderMap, Bytes), Response> {
    let mut headers = answer.headers().clone();
    let body = match answer.bytes().await {
        Ok(body) if body.len() <= limit => body,
        Ok(_) => return Err(bad_gateway(format!("HubSpot's {what} answer is larger than the relay reads"))),
        Err(error) => {
            return Err(bad_gateway(format!("HubSpot's {what} answer could not be read ({})", error.without_url())));
        }
    };
    strip_hop_by_hop(&mut headers);
    Ok((headers, body))
}

/// A request's headers as they are forwarded.
fn forwarded(headers: &HeaderMap) -> HeaderMap {
    let mut headers = headers.clone();
    strip_hop_by_hop(&mut headers);
    headers.remove(header::HOST);
    headers.remove(header::CONTENT_LENGTH);
    headers
}

/// Removes the hop-by-hop headers and those the `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::try_from(name.trim()).ok())
        .collect();
    for name in HOP_BY_HOP.iter().chain(&named) {
        headers.remove(name);
    }
}

/// A `Retry-After` in seconds.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// HubSpot's 502 shape for a request the relay could not forward.
fn bad_gateway(problem: String) -> Response {
    hubspot::error(
        StatusCode::BAD_GATEWAY,
        "BAD_GATEWAY",
        format!("The relay could not forward the request: {problem}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_not_forwarded() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, x-private"),
            ("keep-alive", "timeout=5"),
            ("x-private", "1"),
            ("transfer-encoding", "chunked"),
            ("host", "relay:8080"),
            ("content-length", "12"),
            ("authorization", "Bearer at"),
            ("x-custom", "kept"),
        ] {
            headers.insert(HeaderName::from_static(name), value.parse().unwrap());
        }
        let forwarded = forwarded(&headers);
        let mut names: Vec<&str> = forwarded.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["authorization", "x-custom"]);
    }
}
