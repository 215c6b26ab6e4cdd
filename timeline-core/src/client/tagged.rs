//! The delivery engine for callers that keep their own records of events
//! (a durable queue, a relay): [`Client::deliver`] sends inputs already
//! encoded for one account ([`PreparedInput`]), each with the caller's tag,
//! and gives back every tag with its [`Outcome`].
//!
//! It is the engine under [`SendAll`](super::SendAll) and
//! [`App::send_all`](super::App::send_all) too (batching, pacing, retries,
//! bisection, the judgement of "already in use"), with the tags in place of
//! positions: nothing is re-encoded, and nothing maps positions back.

use crate::AccountId;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream;

use super::Client;
use super::config::Timeouts;
use super::exchange::BeforeSend;
use super::input::EventInput;
use super::report::{Failure, FailureReason, Outcome};
use super::send_all::{self, Reporting, Requests};
use crate::error::{EncodeError, Error};
use crate::kind::EventKind;

/// One event as a durable queue keeps it: its kind, its event type (a
/// template id, or an app event's type name), its id and its JSON input
/// exactly as encoded for its account, and whether an earlier attempt of it
/// **may have landed** in HubSpot. For an input that may have landed,
/// "already in use" (an app event's 409) counts as created: the earlier
/// attempt stored it. For any other, that answer means another event holds
/// the id, and the input fails with
/// [`FailureReason::DuplicateId`].
///
/// ```
/// use timeline_core::{EventKind, PreparedInput};
/// let body = br#"{"eventTemplateId":"1001","id":"order-7","objectId":"51","tokens":{}}"#.to_vec();
/// let input = PreparedInput::new(EventKind::Timeline, "1001", "order-7", body).with_may_have_landed(true);
/// assert!(input.may_have_landed());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedInput {
    kind: EventKind,
    event_type: String,
    id: String,
    body: Vec<u8>,
    may_have_landed: bool,
}

impl PreparedInput {
    /// The input `body` (one JSON object, as it goes in a batch's `inputs`)
    /// of the event `id`, of `kind` and `event_type`; not landed before.
    pub fn new(kind: EventKind, event_type: impl Into<String>, id: impl Into<String>, body: Vec<u8>) -> Self {
        PreparedInput { kind, event_type: event_type.into(), id: id.into(), body, may_have_landed: false }
    }

    /// Says whether an earlier attempt of this input may have landed.
    pub fn with_may_have_landed(mut self, may_have_landed: bool) -> Self {
        self.may_have_landed = may_have_landed;
        self
    }

    /// Whether an earlier attempt of this input may have landed.
    pub fn may_have_landed(&self) -> bool {
        self.may_have_landed
    }

    /// The event's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The JSON input.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl EventInput for PreparedInput {
    fn event_type(&self) -> &str {
        &self.event_type
    }

    fn kind(&self) -> EventKind {
        self.kind
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        out.extend_from_slice(&self.body);
        Ok(self.id.clone())
    }

    /// The body as it is: it was encoded for its account already.
    fn encode_for_account(&self, _account: AccountId, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        self.encode_into(out)
    }

    fn sent_before(&self) -> bool {
        self.may_have_landed
    }
}

impl EventInput for &PreparedInput {
    fn event_type(&self) -> &str {
        (**self).event_type()
    }

    fn kind(&self) -> EventKind {
        self.kind
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        (**self).encode_into(out)
    }

    fn encode_for_account(&self, account: AccountId, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        (**self).encode_for_account(account, out)
    }

    fn sent_before(&self) -> bool {
        self.may_have_landed
    }
}

type TaggedBeforeSend<'c, T> = Box<dyn Fn(&[T]) -> BeforeSend + Send + Sync + 'c>;

/// A [`Client::deliver`] call being set up; `.await` it to send.
#[must_use = "nothing is sent until the call is awaited"]
pub struct DeliverBuilder<'c, T> {
    client: &'c Client,
    inputs: Vec<(T, PreparedInput)>,
    timeouts: Timeouts,
    before_send: Option<TaggedBeforeSend<'c, T>>,
    stop: Option<send_all::StopSignal<'c>>,
}

/// What a [`Client::deliver`] call came to: every input's tag with its
/// outcome, in the order the inputs were given, and what stopped the call
/// early, if anything did.
///
/// When the call stopped ([`Error::Deadline`], [`Error::Stopped`], refused
/// credentials, …), the inputs it had not sent fail with
/// [`FailureReason::NotSent`] (or the account's typed reason, such as
/// [`FailureReason::InstallRevoked`]) and those in flight with
/// [`FailureReason::InFlight`]:
/// [`Failure::may_have_landed`](super::Failure::may_have_landed) tells them
/// apart.
#[derive(Debug)]
pub struct Delivery<T> {
    /// Every input's tag and outcome, in input order.
    pub outcomes: Vec<(T, Outcome)>,
    /// What stopped the call before every input had its answer.
    pub stopped: Option<Error>,
}

impl<'c, T> DeliverBuilder<'c, T> {
    /// This call's overall time limit, instead of the client's
    /// [`Timeouts::overall`]: when it passes, the call stops with
    /// [`Error::Deadline`].
    pub fn overall_timeout(mut self, limit: Duration) -> Self {
        self.timeouts = self.timeouts.with_overall(limit);
        self
    }

    /// Stops the call, as its deadline would, when `signal` completes
    /// ([`Error::Stopped`]): a shutdown's deadline, for example.
    pub fn stop_when(mut self, signal: impl Future<Output = ()> + Send + 'c) -> Self {
        self.stop = Some(Box::pin(signal));
        self
    }

    /// Runs `step` for every batch once its first request is paced (its
    /// rate permit and place taken) and before it goes out, with the tags
    /// of the batch's inputs; the request waits for the step. A durable
    /// queue records there that the inputs may land from now on. When the
    /// step fails, the call stops with [`Error::BeforeSend`] and the batch's
    /// inputs fail unsent.
    pub fn before_send(
        mut self,
        step: impl Fn(&[T]) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync + 'c,
    ) -> Self {
        self.before_send = Some(Box::new(step));
        self
    }
}

impl<'c, T> IntoFuture for DeliverBuilder<'c, T>
where
    T: Clone + Send + Sync + 'c,
{
    type Output = Delivery<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Delivery<T>> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        let (tags, inputs): (Vec<T>, Vec<PreparedInput>) = self.inputs.into_iter().unzip();
        let tags: Arc<[T]> = tags.into();
        let recorded = Arc::new(Mutex::new(Vec::with_capacity(tags.len())));
        let on_outcome = {
            let recorded = Arc::clone(&recorded);
            move |outcome: &Outcome| lock(&recorded).push(outcome.clone())
        };
        let before_send = self.before_send.map(|step| {
            let tags = Arc::clone(&tags);
            Box::new(move |positions: &[usize]| {
                let batch: Vec<T> = positions.iter().filter_map(|&at| tags.get(at).cloned()).collect();
                step(&batch)
            }) as send_all::BeforeSendHook<'c>
        });
        let reporting = Reporting {
            keep_created: false,
            max_failures: 0,
            on_outcome: Some(Box::new(on_outcome)),
            before_send,
            stop: self.stop,
        };
        let inner = Arc::clone(&self.client.inner);
        let timeouts = self.timeouts;
        Box::pin(async move {
            let events = stream::iter(inputs.iter().enumerate());
            let sent = send_all::run(&inner, events, reporting, Requests::Batches, timeouts).await;
            let stopped = sent.err().map(|error| error.into_parts().0);
            let outcomes = std::mem::take(&mut *lock(&recorded));
            Delivery { outcomes: tagged(&tags, &inputs, outcomes, stopped.as_ref()), stopped }
        })
    }
}

/// Each of `tags` with the outcome of its position. An input the call did
/// not take before it stopped fails unsent, for what `stopped` it; one
/// the outcomes do not account for otherwise (none should be) fails as one
/// that may have landed, its fate unknown.
fn tagged<T: Clone>(
    tags: &[T],
    inputs: &[PreparedInput],
    outcomes: Vec<Outcome>,
    stopped: Option<&Error>,
) -> Vec<(T, Outcome)> {
    let mut by_position: Vec<Option<Outcome>> = vec![None; tags.len()];
    for outcome in outcomes {
        if let Some(slot) = by_position.get_mut(outcome.index()) {
            slot.get_or_insert(outcome);
        }
    }
    let not_taken = stopped.map(|error| Arc::new(FailureReason::not_sent_by(error)));
    let unknown = Arc::new(FailureReason::InFlight { cause: "the call did not account for the input".into() });
    tags.iter()
        .cloned()
        .zip(inputs)
        .zip(by_position)
        .enumerate()
        .map(|(index, ((tag, input), outcome))| {
            let outcome = outcome.unwrap_or_else(|| {
                let (reason, may_have_landed) = match &not_taken {
                    Some(reason) => (Arc::clone(reason), input.may_have_landed),
                    None => (Arc::clone(&unknown), true),
                };
                let failure =
                    Failure::new(index, Some(input.id.clone()), input.event_type.clone(), reason, may_have_landed);
                Outcome::Failed(failure)
            });
            (tag, outcome)
        })
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Client {
    /// Delivers `inputs`, each encoded for this client's account already
    /// and tagged by the caller, through the same engine as
    /// [`send_all`](super::SendAll) (batches of each kind, the account's
    /// pacing, retries, the bisection of a refused batch), and gives back
    /// every tag with its outcome. The client of an app's account comes
    /// from [`App::account`](super::App::account), which shares the account's
    /// credentials and state across its clients.
    ///
    /// ```no_run
    /// # async fn run(app: timeline_core::App, rows: Vec<(u64, timeline_core::PreparedInput)>) {
    /// use timeline_core::Outcome;
    /// let delivery = app.account(101).deliver(rows).await;
    /// for (row, outcome) in delivery.outcomes {
    ///     match outcome {
    ///         Outcome::Created(_) => println!("row {row} delivered"),
    ///         Outcome::Failed(failure) => println!("row {row}: {}", failure.reason),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn deliver<T>(&self, inputs: impl IntoIterator<Item = (T, PreparedInput)>) -> DeliverBuilder<'_, T> {
        DeliverBuilder {
            client: self,
            inputs: inputs.into_iter().collect(),
            timeouts: self.inner.shared.config.timeouts,
            before_send: None,
            stop: None,
        }
    }
}
