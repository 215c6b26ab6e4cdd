//! What became of every event of a call.

use std::collections::BTreeMap;

use super::validation::TemplateViolation;
use crate::error::EncodeError;
use crate::wire::ErrorDetail;

/// An event HubSpot stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The event's position among the call's inputs (0-based).
    pub index: usize,
    /// The id the event was sent with.
    pub id: String,
    /// The event template id.
    pub template_id: String,
    /// The CRM record HubSpot put it on, when the answer said so.
    pub object_id: Option<String>,
}

/// An event that was not stored (or whose fate is unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The event's position among the call's inputs (0-based).
    pub index: usize,
    /// The id it was sent with; `None` when it could not be encoded.
    pub id: Option<String>,
    /// The event template id.
    pub template_id: String,
    /// Why.
    pub reason: FailureReason,
}

/// Why an event failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FailureReason {
    /// It could not be encoded, so it was never sent.
    #[error("not sent: {0}")]
    Encoding(#[from] EncodeError),
    /// Its encoded input alone is larger than the client's request body limit.
    #[error("not sent: its input is {bytes} bytes, over the request body limit of {limit} bytes")]
    TooLarge {
        /// The input's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// It does not fit the template the client knows for it, so it was never sent.
    #[error("not sent: it does not fit its template: {}", violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    TemplateMismatch {
        /// Every way it does not fit.
        violations: Vec<TemplateViolation>,
    },
    /// HubSpot rejected it as invalid.
    #[error("rejected by HubSpot ({category}): {message}")]
    Validation {
        /// Such as `VALIDATION_ERROR`.
        category: String,
        /// HubSpot's message.
        message: String,
        /// HubSpot's context (such as the input's `id`).
        context: BTreeMap<String, Vec<String>>,
        /// HubSpot's details.
        details: Vec<ErrorDetail>,
    },
    /// HubSpot refused the request with a client error that is not a validation error.
    #[error("refused by HubSpot with status {status}: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// HubSpot's message.
        message: String,
    },
    /// HubSpot's rate limit: the daily one (never retried) or the burst one
    /// after every retry.
    #[error("rate limited by HubSpot ({}): {message}", if *.daily { "daily limit" } else { "burst limit, after retries" })]
    RateLimited {
        /// Whether the daily limit was hit.
        daily: bool,
        /// HubSpot's message.
        message: String,
    },
    /// HubSpot kept answering with a server error.
    #[error("HubSpot answered {status} after {attempts} attempts")]
    Server {
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The request kept failing in transport.
    #[error("transport failure after {attempts} attempts: {message}")]
    Transport {
        /// The last failure.
        message: String,
        /// Attempts made.
        attempts: u32,
        /// Whether a request may have reached HubSpot.
        may_have_landed: bool,
    },
    /// HubSpot accepted the request but its answer could not be read, so the
    /// event may have been stored. Sending it again is safe: it keeps its id.
    #[error("the answer could not be read, the event may have been stored: {detail}")]
    ResponseUnreadable {
        /// What was wrong with the answer.
        detail: String,
    },
}

impl FailureReason {
    /// Whether HubSpot may have stored the event anyway. Resending such an
    /// event is safe: it keeps its id, so it cannot be stored twice.
    pub fn may_have_landed(&self) -> bool {
        match self {
            FailureReason::Transport { may_have_landed, .. } => *may_have_landed,
            FailureReason::Server { status, .. } => matches!(status, 502 | 504),
            FailureReason::ResponseUnreadable { .. } => true,
            _ => false,
        }
    }
}

/// The fate of one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored.
    Created(Created),
    /// Not stored, or not known to be.
    Failed(Failure),
}

impl Outcome {
    /// The event's position among the call's inputs.
    pub fn index(&self) -> usize {
        match self {
            Outcome::Created(created) => created.index,
            Outcome::Failed(failure) => failure.index,
        }
    }
}

/// What became of every event of a call: counts, the failures (always
/// kept) and the created events (unless the call was told not to keep them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SendReport {
    total: usize,
    created_count: usize,
    created: Vec<Created>,
    failed: Vec<Failure>,
    keep_created: bool,
}

impl SendReport {
    pub(crate) fn new(keep_created: bool) -> Self {
        SendReport { keep_created, ..SendReport::default() }
    }

    pub(crate) fn record(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Created(created) => {
                self.created_count += 1;
                if self.keep_created {
                    self.created.push(created);
                }
            }
            Outcome::Failed(failure) => self.failed.push(failure),
        }
    }

    pub(crate) fn finish(mut self) -> Self {
        self.created.sort_by_key(|created| created.index);
        self.failed.sort_by_key(|failure| failure.index);
        self
    }

    /// How many events the call was given.
    pub fn total(&self) -> usize {
        self.total
    }

    /// How many were stored.
    pub fn created_count(&self) -> usize {
        self.created_count
    }

    /// How many failed.
    pub fn failed_count(&self) -> usize {
        self.failed.len()
    }

    /// The stored events, by index; empty when the call did not keep them.
    pub fn created(&self) -> &[Created] {
        &self.created
    }

    /// The failed events, by index.
    pub fn failed(&self) -> &[Failure] {
        &self.failed
    }

    /// The failed events HubSpot may have stored anyway.
    pub fn may_have_landed(&self) -> impl Iterator<Item = &Failure> {
        self.failed.iter().filter(|failure| failure.reason.may_have_landed())
    }

    /// Whether every event was stored.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}
