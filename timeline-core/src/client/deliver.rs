//! Sends one batch and turns the answer into an outcome per input,
//! bisecting a batch that HubSpot refused as a whole.
//!
//! Bisection is bounded: when both halves of a refused batch are refused
//! again with the same error, and that error names no input (a batch-level
//! cause such as an unknown template or an app that may not send), every
//! input fails with it instead of being split down to single inputs.
//!
//! App-event batches are atomic: a 400 (an invalid input) or a 409 (an
//! occurrence with one of the ids exists) refuses the whole batch and stores
//! nothing. When the answer names the inputs (by id, or by their place in
//! `inputs`), those get their outcome and the others are sent again without
//! them; when it does not, the batch is bisected, a 409 down to the single
//! inputs it concerns. A 409 for an input that may have landed before is
//! created (the earlier attempt stored it), and a conflict otherwise.

use crate::AccountId;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::Method;
use tracing::Instrument;
use tracing::field::Empty;

use super::Inner;
use super::batch::{Batch, Item};
use super::exchange::{CallState, Credentials, End, Exchanged, LastFailure, Outgoing, Repeat, error_message};
use super::mapping::{all_failed, map_answer, map_single_answer, refused, unreadable};
use super::report::{FailureReason, Outcome};
use crate::error::Error;
use crate::kind::EventKind;
use crate::wire::{ApiError, ErrorDetail};

/// The batch create path of v3 timeline events, relative to the base URL.
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
    /// An atomic batch refused for the inputs its answer names: their
    /// outcomes, and the batch of the others, to send again.
    Named {
        /// The outcomes of the named inputs.
        outcomes: Vec<Outcome>,
        /// The other inputs, not stored.
        rest: Batch,
    },
}

impl Inner {
    /// Sends `batch`; the outcomes are in the batch's input order.
    pub(crate) fn deliver<'a>(&'a self, batch: Batch, call: &'a CallState) -> Delivery<'a> {
        let span = tracing::info_span!(
            "timeline.batch",
            account = self.account.map(AccountId::get),
            inputs = batch.items().len(),
            bytes = batch.len_bytes(),
            status = Empty,
            created = Empty,
            failed = Empty,
        );
        let recorder = span.clone();
        Box::pin(
            async move {
                let sent = self.send_batch_once(batch, call, &recorder).await;
                let delivered = self.settle(sent, call).await;
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
                Sent::Named { outcomes, rest } if delivered.stop.is_some() => {
                    let mut named = Delivered::done(outcomes);
                    named.extend(stopped(rest.items(), delivered.stop.as_ref()));
                    named.outcomes.sort_by_key(Outcome::index);
                    delivered.outcomes.extend(named.outcomes);
                }
                right => delivered.extend(self.settle(right, call).await),
            }
            delivered
        })
    }

    /// The outcomes of a request's batch: as answered, by bisecting it
    /// further, or by sending again the inputs its refusal did not name.
    fn settle<'a>(&'a self, sent: Sent, call: &'a CallState) -> Delivery<'a> {
        Box::pin(async move {
            match sent {
                Sent::Done(delivered) => delivered,
                Sent::Refused(batch, refusal) => self.bisect(batch, refusal, call).await,
                Sent::Named { outcomes, rest } => {
                    let mut delivered = Delivered::done(outcomes);
                    if !rest.items().is_empty() {
                        tracing::debug!(
                            named = delivered.outcomes.len(),
                            rest = rest.items().len(),
                            "app-event batch refused for the inputs it names; sending the others again"
                        );
                        let span = tracing::Span::current();
                        let again = self.send_batch_once(rest, call, &span).await;
                        delivered.extend(self.settle(again, call).await);
                    }
                    delivered.outcomes.sort_by_key(Outcome::index);
                    delivered
                }
            }
        })
    }

    /// One request (with its retries) for `batch`.
    async fn send_batch_once(&self, mut batch: Batch, call: &CallState, span: &tracing::Span) -> Sent {
        let single = match batch.kind() {
            EventKind::AppEvent if call.is_single_event() => batch.single_body(),
            _ => None,
        };
        let is_single = single.is_some();
        let version = self.shared.config.app_events_api.version();
        let url = match (batch.kind(), is_single) {
            (EventKind::Timeline, _) => self.url(BATCH_CREATE),
            (EventKind::AppEvent, false) => self.url(["integrators", "timeline", version, "events", "batch"]),
            (EventKind::AppEvent, true) => self.url(["integrators", "timeline", version, "events"]),
        };
        let outgoing = Outgoing {
            method: Method::POST,
            url,
            body: Some(single.unwrap_or_else(|| batch.body()).into()),
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
                Ok(body) if is_single => map_single_answer(items, body),
                Ok(body) => map_answer(items, status, body),
                Err(error) => unreadable(items, &error.to_string()),
            }));
        }
        let body = answer.body.unwrap_or_default();
        if batch.kind() == EventKind::AppEvent && matches!(status, 400 | 409) {
            return app_event_refusal(batch, status, &body);
        }
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

/// What a 400 or a 409 to an app-event batch (which HubSpot stores whole
/// or not at all) comes to: outcomes for the inputs the answer names and
/// the others to send again, or a refusal to bisect when it names none.
fn app_event_refusal(batch: Batch, status: u16, body: &[u8]) -> Sent {
    let error: ApiError = serde_json::from_slice(body).unwrap_or_default();
    let message = if error.message.is_empty() { error_message(body) } else { error.message.clone() };
    let items = batch.items();
    let reason_of = |details: Vec<ErrorDetail>, context| {
        Arc::new(match status {
            409 => FailureReason::DuplicateId { message: message.clone() },
            _ => FailureReason::Validation {
                category: error.category.clone(),
                message: message.clone(),
                context,
                details,
            },
        })
    };
    if items.len() < 2 {
        let reason = reason_of(error.errors.clone(), error.context.clone().unwrap_or_default());
        return Sent::Done(Delivered::done(refused_all(items, &reason)));
    }
    let Some(named) = named_inputs(&batch, &error) else {
        let reason = reason_of(error.errors.clone(), error.context.clone().unwrap_or_default());
        // A 409 always concerns some inputs: bisect down to them.
        return Sent::Refused(batch, Refusal { status, reason, names_an_input: status == 409 });
    };
    let outcomes = named
        .iter()
        .map(|&position| {
            let item = &items[position];
            let details: Vec<ErrorDetail> =
                error.errors.iter().filter(|detail| concerns(detail, position, &item.id)).cloned().collect();
            let details = if details.is_empty() { error.errors.clone() } else { details };
            let context = [("id".to_owned(), vec![item.id.to_string()])].into();
            refused(item, &reason_of(details, context))
        })
        .collect();
    let rest = batch.without(&named);
    Sent::Named { outcomes, rest }
}

/// The positions of the inputs an app-event refusal names, in body order:
/// by id (`id` or `ids` in its context or a detail's) or by place (`index`
/// or `indexes` there, or a detail `in` `inputs[N]…`). `None` when it names
/// none of the batch's inputs, or names an id that more than one of them
/// has (then only splitting tells which).
fn named_inputs(batch: &Batch, error: &ApiError) -> Option<Vec<usize>> {
    let items = batch.items();
    let contexts: Vec<_> =
        error.context.iter().chain(error.errors.iter().filter_map(|detail| detail.context.as_ref())).collect();
    let values = |keys: [&'static str; 2]| {
        contexts.iter().flat_map(move |context| keys.into_iter().filter_map(|key| context.get(key)).flatten())
    };
    let places = values(["index", "indexes"]).filter_map(|place| place.parse::<usize>().ok());
    let mut named: Vec<usize> = places.filter(|&place| place < items.len()).collect();
    let ids = values(["id", "ids"]);
    for id in ids {
        let mut holders = items.iter().enumerate().filter(|(_, item)| *item.id == **id).map(|(position, _)| position);
        match (holders.next(), holders.next()) {
            (Some(position), None) => named.push(position),
            (Some(_), Some(_)) => return None,
            (None, _) => {}
        }
    }
    named.extend(error.errors.iter().filter_map(input_place).filter(|&place| place < items.len()));
    named.sort_unstable();
    named.dedup();
    (!named.is_empty()).then_some(named)
}

/// The place `N` of a detail `in` `inputs[N]…`.
fn input_place(detail: &ErrorDetail) -> Option<usize> {
    let rest = detail.in_.as_deref()?.strip_prefix("inputs[")?;
    rest[..rest.find(']')?].parse().ok()
}

/// Whether `detail` is about the input at `position` with `id`.
fn concerns(detail: &ErrorDetail, position: usize, id: &str) -> bool {
    let names = |key: &str, value: &str| {
        let values = detail.context.as_ref().and_then(|context| context.get(key));
        values.is_some_and(|values| values.iter().any(|named| named == value))
    };
    input_place(detail) == Some(position) || names("index", &position.to_string()) || names("id", id)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::batch::{Chunker, Pushed};
    use crate::client::input::EventInput;
    use crate::error::EncodeError;

    /// An app event already encoded, with its id.
    struct Occurrence(&'static str);

    impl EventInput for Occurrence {
        fn event_type(&self) -> &str {
            "webinar_registered"
        }

        fn kind(&self) -> EventKind {
            EventKind::AppEvent
        }

        fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
            out.extend_from_slice(format!(r#"{{"id":"{}"}}"#, self.0).as_bytes());
            Ok(self.0.to_owned())
        }
    }

    fn batch(ids: &[&'static str]) -> Batch {
        let mut chunker = Chunker::new(100, 1 << 20);
        for (index, id) in ids.iter().enumerate() {
            assert_eq!(chunker.push(index, &Occurrence(id)), Pushed::Pending);
        }
        chunker.finish().pop().unwrap()
    }

    fn error(body: &str) -> ApiError {
        serde_json::from_str(body).unwrap()
    }

    #[test]
    fn a_refusal_names_inputs_by_id_index_or_place() {
        let batch = batch(&["a", "b", "c", "d"]);
        assert_eq!(named_inputs(&batch, &error(r#"{"context":{"ids":["c","zz"]}}"#)), Some(vec![2]));
        assert_eq!(named_inputs(&batch, &error(r#"{"context":{"indexes":["3","9"]}}"#)), Some(vec![3]));
        let by_place = r#"{"errors":[{"message":"m","in":"inputs[1].properties.x"},{"message":"m","in":"inputs[1]"}]}"#;
        assert_eq!(named_inputs(&batch, &error(by_place)), Some(vec![1]));
        let by_detail = r#"{"errors":[{"message":"m","context":{"id":["d"],"index":["0"]}}]}"#;
        assert_eq!(named_inputs(&batch, &error(by_detail)), Some(vec![0, 3]));
        assert_eq!(named_inputs(&batch, &error(r#"{"message":"some occurrence exists"}"#)), None);
        assert_eq!(named_inputs(&batch, &error(r#"{"context":{"ids":["zz"]}}"#)), None, "not one of ours");
    }

    #[test]
    fn an_id_two_inputs_share_names_neither() {
        let batch = batch(&["a", "b", "a"]);
        assert_eq!(named_inputs(&batch, &error(r#"{"context":{"ids":["a"]}}"#)), None);
        assert_eq!(named_inputs(&batch, &error(r#"{"context":{"ids":["b"]}}"#)), Some(vec![1]));
    }

    #[test]
    fn the_others_of_a_named_refusal_are_sent_with_their_bytes() {
        let batch = batch(&["a", "b", "c"]);
        let Sent::Named { outcomes, rest } =
            app_event_refusal(batch, 409, br#"{"message":"exists","context":{"ids":["b"]}}"#)
        else {
            panic!("the 409 names b")
        };
        let [Outcome::Failed(failure)] = outcomes.as_slice() else { panic!("{outcomes:?}") };
        assert!(matches!(*failure.reason, FailureReason::DuplicateId { .. }), "{failure:?}");
        assert_eq!(failure.index, 1);
        assert_eq!(rest.items().iter().map(|item| item.index).collect::<Vec<_>>(), [0, 2]);
        let body: serde_json::Value = serde_json::from_slice(&rest.body()).unwrap();
        assert_eq!(body, serde_json::json!({"inputs": [{"id": "a"}, {"id": "c"}]}));
        assert_eq!(rest.kind(), EventKind::AppEvent);
    }
}
