//! One HTTP attempt, with its time limit and a bounded read of the body.
//!
//! Redirects are never followed: the client's own HTTP client does not
//! follow them (a 3xx is a final answer), and an answer a user-supplied
//! client reached by following one is refused as no answer.

use std::error::Error as _;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};

use crate::error::ErrorSource;

/// An answer whose head arrived.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The status.
    pub(crate) status: StatusCode,
    /// The headers.
    pub(crate) headers: HeaderMap,
    /// The body, or why it could not be read.
    pub(crate) body: Result<Vec<u8>, BodyError>,
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// It was longer than the client's bound.
    TooLarge {
        /// The bound, in bytes.
        limit: usize,
    },
    /// The connection failed while reading it.
    Broken(String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => {
                write!(f, "the response body is larger than the client's limit of {limit} bytes")
            }
            BodyError::Broken(reason) => write!(f, "the response body was cut off: {reason}"),
        }
    }
}

/// An attempt that got no answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NoAnswer {
    /// What happened, without URLs or secrets.
    pub(crate) reason: String,
    /// Whether the request may have reached the server.
    pub(crate) may_have_landed: bool,
    /// The HTTP client's error, its URL removed, when it gave one.
    pub(crate) source: Option<ErrorSource>,
}

impl NoAnswer {
    /// No answer because of the HTTP client's `error`.
    fn from_http(error: reqwest::Error, may_have_landed: bool) -> Self {
        let error = error.without_url();
        NoAnswer { reason: describe(&error), may_have_landed, source: Some(ErrorSource::new(error)) }
    }
}

/// Sends `request` and reads at most `limit` body bytes, all within `timeout`.
pub(crate) async fn attempt(request: RequestBuilder, limit: usize, timeout: Duration) -> Result<Answer, NoAnswer> {
    match tokio::time::timeout(timeout, exchange(request, limit)).await {
        Ok(result) => result,
        Err(_) => Err(NoAnswer {
            reason: format!("no complete answer within {timeout:?}"),
            may_have_landed: true,
            source: None,
        }),
    }
}

/// Why an answer reached through a redirect is refused.
const REDIRECTED: &str = "redirected to another URL; redirects are not followed";

async fn exchange(request: RequestBuilder, limit: usize) -> Result<Answer, NoAnswer> {
    let (http, request) = request.build_split();
    let request = request.map_err(|error| NoAnswer::from_http(error, false))?;
    let sent_to = request.url().clone();
    let mut response = http.execute(request).await.map_err(|error| {
        let may_have_landed = !error.is_connect() && !error.is_builder();
        NoAnswer::from_http(error, may_have_landed)
    })?;
    if *response.url() != sent_to {
        // The first hop received the body: it may have acted on it.
        return Err(NoAnswer { reason: REDIRECTED.to_owned(), may_have_landed: true, source: None });
    }
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Ok(Answer { status, headers, body: Err(BodyError::TooLarge { limit }) });
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() > limit => {
                return Ok(Answer { status, headers, body: Err(BodyError::TooLarge { limit }) });
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(Answer { status, headers, body: Ok(body) }),
            Err(error) => {
                let error = error.without_url();
                return Ok(Answer { status, headers, body: Err(BodyError::Broken(describe(&error))) });
            }
        }
    }
}

/// The error and its causes, for an error whose URL (which may hold a
/// developer key) was removed.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
