//! Sends one batch and turns the answer into an outcome per input,
//! bisecting a batch that HubSpot refused as a whole.
//!
//! Bisection is bounded: when both halves of a refused batch are refused
//! again with the same error, and that error names no input (a batch-level
//! cause such as an unknown template or an app that may not send), every
//! input fails with it instead of being split down to single inputs.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::Method;
use tracing::Instrument;
use tracing::field::Empty;

use super::Inner;
use super::batch::{Batch, Item};
use super::exchange::{CallState, Credentials, End, Exchanged, LastFailure, Outgoing, Repeat, error_message};
use super::mapping::{all_failed, map_answer, refused, unreadable};
use super::report::{FailureReason, Outcome};
use crate::error::Error;

/// The batch create path, relative to the base URL.
const BATCH_CREATE: [&str; 6] = ["integrators", "timeline", "v3", "events", "batch", "create"];

/// The outcome of every input of a batch, and what stopped the call, if
/// anything did (then the inputs not answered for fail unsent, or in flight
/// when an earlier attempt may have stored them).
#[derive(Debug)]
pub(crate) struct Delivered {
    /// One outcome per input, in the batch's input order.
    pub(crate) outcomes: Vec<Outcome>,
    /// The error that stops the call.
    pub(crate) stop: Option<Error>,
}

impl Delivered {
    fn done(outcomes: Vec<Outcome>) -> Self {
        Delivered { outcomes, stop: None }
    }

    /// Appends `later`, keeping the first stop.
    fn extend(&mut self, later: Delivered) {
        self.outcomes.extend(later.outcomes);
        if self.stop.is_none() {
            self.stop = later.stop;
        }
    }
}

type Delivery<'a> = Pin<Box<dyn Future<Output = Delivered> + Send + 'a>>;

/// A batch refused whole: the status and the reason every input would get.
#[derive(Debug, Clone)]
struct Refusal {
    status: u16,
    reason: Arc<FailureReason>,
    names_an_input: bool,
}

impl Refusal {
    /// Whether `self` and `other` are the same batch-level cause. A body
    /// too large never is: halves are smaller, and splitting is the cure.
    fn same_batch_level_cause(&self, other: &Refusal) -> bool {
        let batch_level = |refusal: &Refusal| !refusal.names_an_input && refusal.status != 413;
        batch_level(self) && batch_level(other) && self.status == other.status && self.reason == other.reason
    }
}

/// What one request of a batch came to.
enum Sent {
    /// Outcomes for every input (or a stop).
    Done(Delivered),
    /// Refused whole, and the batch can be split.
    Refused(Batch, Refusal),
}

impl Inner {
    /// Sends `batch`; the outcomes are in the batch's input order.
    pub(crate) fn deliver<'a>(&'a self, batch: Batch, call: &'a CallState) -> Delivery<'a> {
        let span = tracing::info_span!(
            "timeline.batch",
            portal = self.portal,
            inputs = batch.items().len(),
            bytes = batch.len_bytes(),
            status = Empty,
            created = Empty,
            failed = Empty,
        );
        let recorder = span.clone();
        Box::pin(
            async move {
                let delivered = match self.send_batch_once(batch, call, &recorder).await {
                    Sent::Done(delivered) => delivered,
                    Sent::Refused(batch, refusal) => self.bisect(batch, refusal, call).await,
                };
                let outcomes = &delivered.outcomes;
                let created = outcomes.iter().filter(|outcome| matches!(outcome, Outcome::Created(_))).count();
                recorder.record("created", created).record("failed", outcomes.len() - created);
                delivered
            }
            .instrument(span),
        )
    }

    /// Sends the two halves of a batch refused whole with `refusal`.
    fn bisect<'a>(&'a self, batch: Batch, refusal: Refusal, call: &'a CallState) -> Delivery<'a> {
        Box::pin(async move {
            let Some((left, right)) = batch.split() else {
                return Delivered::done(refused_all(batch.items(), &refusal.reason));
            };
            tracing::debug!(
                inputs = batch.items().len(),
                "batch refused as a whole; splitting it to isolate the cause"
            );
            let span = tracing::Span::current();
            let left = match self.send_batch_once(left, call, &span).await {
                Sent::Done(mut delivered) if delivered.stop.is_some() => {
                    delivered.extend(stopped(right.items(), delivered.stop.as_ref()));
                    return delivered;
                }
                left => left,
            };
            let right = self.send_batch_once(right, call, &span).await;
            if let (Sent::Refused(left, left_refusal), Sent::Refused(right, right_refusal)) = (&left, &right)
                && left_refusal.same_batch_level_cause(&refusal)
                && right_refusal.same_batch_level_cause(&refusal)
            {
                tracing::debug!("both halves refused for the same batch-level cause; not splitting further");
                let mut outcomes = refused_all(left.items(), &refusal.reason);
                outcomes.extend(refused_all(right.items(), &refusal.reason));
                return Delivered::done(outcomes);
            }
            let mut delivered = self.settle(left, call).await;
            match right {
                Sent::Refused(right, right_refusal) if delivered.stop.is_some() => {
                    delivered.outcomes.extend(refused_all(right.items(), &right_refusal.reason));
                }
                right => delivered.extend(self.settle(right, call).await),
            }
            delivered
        })
    }

    /// The outcomes of a half: as answered, or by bisecting it further.
    async fn settle(&self, sent: Sent, call: &CallState) -> Delivered {
        match sent {
            Sent::Done(delivered) => delivered,
            Sent::Refused(batch, refusal) => self.bisect(batch, refusal, call).await,
        }
    }

    /// One request (with its retries) for `batch`.
    async fn send_batch_once(&self, mut batch: Batch, call: &CallState, span: &tracing::Span) -> Sent {
        let outgoing = Outgoing {
            method: Method::POST,
            url: self.url(BATCH_CREATE),
            body: Some(batch.body().into()),
            credentials: Credentials::Bearer,
            sent: Some(Arc::clone(batch.sent_flag())),
        };
        let Exchanged { end, attempts, may_have_landed } = self.exchange(outgoing, Repeat::Always, call).await;
        if may_have_landed {
            batch.mark_landed();
        }
        let items = batch.items();
        let answer = match end {
            End::Answered(answer) => answer,
            End::Stopped(error) => {
                let reason = Arc::new(match &error {
                    Error::AuthenticationRefused { status, message } => {
                        FailureReason::Rejected { status: *status, message: message.clone() }
                    }
                    other => FailureReason::not_sent_by(other),
                });
                return Sent::Done(Delivered { outcomes: all_failed(items, &reason), stop: Some(error) });
            }
            End::DailyLimit { message } => {
                span.record("status", 429);
                let reason = Arc::new(FailureReason::RateLimited { daily: true, message });
                return Sent::Done(Delivered::done(all_failed(items, &reason)));
            }
            End::Exhausted(last) => {
                let reason = match last {
                    LastFailure::Status { status, rate_limited: true, message } => {
                        span.record("status", status);
                        FailureReason::RateLimited { daily: false, message }
                    }
                    LastFailure::Status { status, .. } => {
                        span.record("status", status);
                        FailureReason::Server { status, attempts }
                    }
                    LastFailure::NoAnswer(no_answer) => FailureReason::Transport {
                        message: no_answer.reason,
                        attempts,
                        may_have_landed: no_answer.may_have_landed,
                    },
                };
                return Sent::Done(Delivered::done(all_failed(items, &Arc::new(reason))));
            }
        };
        let status = answer.status.as_u16();
        span.record("status", status);
        if answer.status.is_success() {
            return Sent::Done(Delivered::done(match &answer.body {
                Ok(body) => map_answer(items, status, body),
                Err(error) => unreadable(items, &error.to_string()),
            }));
        }
        let body = answer.body.unwrap_or_default();
        let refusal = match status {
            400 => {
                let error: crate::wire::ApiError = serde_json::from_slice(&body).unwrap_or_default();
                let names_an_input = error.context.as_ref().is_some_and(|context| context.contains_key("id"))
                    || error
                        .errors
                        .iter()
                        .any(|detail| detail.in_.as_deref().is_some_and(|at| at.starts_with("inputs")));
                let reason = FailureReason::Validation {
                    message: if error.message.is_empty() { error_message(&body) } else { error.message },
                    category: error.category,
                    context: error.context.unwrap_or_default(),
                    details: error.errors,
                };
                Refusal { status, reason: Arc::new(reason), names_an_input }
            }
            413 => {
                let reason = FailureReason::Rejected { status, message: error_message(&body) };
                Refusal { status, reason: Arc::new(reason), names_an_input: false }
            }
            500.. => {
                let reason = Arc::new(FailureReason::Server { status, attempts });
                return Sent::Done(Delivered::done(all_failed(items, &reason)));
            }
            _ => {
                let reason = Arc::new(FailureReason::Rejected { status, message: error_message(&body) });
                return Sent::Done(Delivered::done(all_failed(items, &reason)));
            }
        };
        if items.len() < 2 {
            return Sent::Done(Delivered::done(refused_all(items, &refusal.reason)));
        }
        Sent::Refused(batch, refusal)
    }
}

/// Every input refused with `reason` (an id in use counts as created for
/// inputs that may have landed before).
fn refused_all(items: &[Item], reason: &Arc<FailureReason>) -> Vec<Outcome> {
    items.iter().map(|item| refused(item, reason)).collect()
}

/// The inputs of a batch that was not sent because the call stopped.
fn stopped(items: &[Item], cause: Option<&Error>) -> Delivered {
    let not_sent = Arc::new(match cause {
        Some(error) => FailureReason::not_sent_by(error),
        None => FailureReason::NotSent { cause: "the call stopped".to_owned() },
    });
    let cause = cause.map_or_else(|| "the call stopped".to_owned(), ToString::to_string);
    let in_flight = Arc::new(FailureReason::InFlight { cause });
    let outcomes = items
        .iter()
        .map(|item| {
            let reason = if item.landed_before { &in_flight } else { &not_sent };
            Outcome::Failed(item.failure(Arc::clone(reason)))
        })
        .collect();
    Delivered::done(outcomes)
}
