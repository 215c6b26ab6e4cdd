//! Sends one batch and turns the answer into an outcome per input,
//! bisecting a batch that HubSpot rejected as a whole.

use std::future::Future;
use std::pin::Pin;

use reqwest::Method;
use tracing::Instrument;
use tracing::field::Empty;

use super::Inner;
use super::batch::Batch;
use super::exchange::{Credentials, Exchange, LastFailure, error_message};
use super::mapping::{all_failed, map_answer, unreadable};
use super::report::{FailureReason, Outcome};
use crate::error::Error;

/// The batch create path, relative to the base URL.
const BATCH_CREATE: [&str; 6] = ["integrators", "timeline", "v3", "events", "batch", "create"];

type Delivery<'a> = Pin<Box<dyn Future<Output = Result<Vec<Outcome>, Error>> + Send + 'a>>;

impl Inner {
    /// Sends `batch`; the outcomes are in the batch's input order.
    pub(crate) fn deliver(&self, batch: Batch) -> Delivery<'_> {
        let span = tracing::info_span!(
            "timeline.batch",
            inputs = batch.items().len(),
            bytes = batch.len_bytes(),
            status = Empty,
            created = Empty,
            failed = Empty,
        );
        let recorder = span.clone();
        Box::pin(
            async move {
                let outcomes = self.deliver_once(batch, &recorder).await?;
                let created = outcomes.iter().filter(|outcome| matches!(outcome, Outcome::Created(_))).count();
                recorder.record("created", created).record("failed", outcomes.len() - created);
                Ok(outcomes)
            }
            .instrument(span),
        )
    }

    async fn deliver_once(&self, batch: Batch, span: &tracing::Span) -> Result<Vec<Outcome>, Error> {
        let url = self.url(BATCH_CREATE);
        let exchange = self.exchange(Method::POST, url, Some(batch.body().into()), Credentials::Bearer).await?;
        let items = batch.items();
        let (answer, attempts) = match exchange {
            Exchange::Answered { answer, attempts } => (answer, attempts),
            Exchange::DailyLimit { message } => {
                span.record("status", 429);
                return Ok(all_failed(items, &FailureReason::RateLimited { daily: true, message }));
            }
            Exchange::Exhausted { attempts, last } => {
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
                return Ok(all_failed(items, &reason));
            }
        };
        let status = answer.status.as_u16();
        span.record("status", status);
        if answer.status.is_success() {
            return Ok(match &answer.body {
                Ok(body) => map_answer(items, status, body),
                Err(error) => unreadable(items, &error.to_string()),
            });
        }
        if status == 400
            && let Some((left, right)) = batch.split()
        {
            tracing::debug!(inputs = items.len(), "batch rejected as a whole; splitting it to isolate the bad inputs");
            let mut outcomes = self.deliver(left).await?;
            outcomes.extend(self.deliver(right).await?);
            return Ok(outcomes);
        }
        let body = answer.body.unwrap_or_default();
        let reason = match status {
            400 => {
                let error: crate::wire::Error = serde_json::from_slice(&body).unwrap_or_default();
                FailureReason::Validation {
                    message: if error.message.is_empty() { error_message(&body) } else { error.message },
                    category: error.category,
                    context: error.context.unwrap_or_default(),
                    details: error.errors,
                }
            }
            500.. => FailureReason::Server { status, attempts },
            _ => FailureReason::Rejected { status, message: error_message(&body) },
        };
        Ok(all_failed(items, &reason))
    }
}
