//! `send_all`: any number of events, streamed into batches with a bounded
//! number of requests in flight and a report on every event.

use std::future::{Future, IntoFuture, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use futures_util::stream::{self, FuturesUnordered, Stream, StreamExt};

use std::collections::HashMap;
use std::sync::Arc;

use tokio::time::Instant;

use super::batch::{Batch, Chunker, Item, Pushed};
use super::config::Timeouts;
use super::deliver::Delivered;
use super::exchange::{BeforeSend, CallState, SendMark};
use super::input::EventInput;
use super::report::{DEFAULT_MAX_FAILURE_ENTRIES, FailureReason, Outcome, SendError, SendReport};
use super::{Client, Inner};
use crate::error::Error;

/// Sends the events of a slice, `Vec`, array or iterator (owned or
/// borrowed events, [`EncodedInput`](crate::EncodedInput)s or
/// [`AnyEvent`](super::AnyEvent)s).
///
/// `vec.send_all(&client)` consumes the `Vec`; `vec.iter().send_all(&client)`
/// or `(&vec).send_all(&client)` keeps it. Events are encoded as they are
/// sent, so an iterator that makes them lazily is never held in memory whole.
///
/// ```no_run
/// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
/// use timeline_core::SendAll;
/// let report = events.iter().send_all(&client).keep_created(false).await?;
/// println!("{} of {} stored", report.created_count(), report.total());
/// # Ok(()) }
/// ```
pub trait SendAll: IntoIterator + Sized {
    /// Starts sending; `.await` the result, or set options on it first.
    fn send_all(self, client: &Client) -> SendAllBuilder<'_, stream::Iter<Self::IntoIter>>;
}

impl<I> SendAll for I
where
    I: IntoIterator,
    I::Item: EventInput,
{
    fn send_all(self, client: &Client) -> SendAllBuilder<'_, stream::Iter<Self::IntoIter>> {
        SendAllBuilder::new(client, stream::iter(self))
    }
}

/// Sends the events of a [`Stream`].
///
/// ```no_run
/// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
/// use timeline_core::SendAllStream;
/// let events = futures_util::stream::iter(events);
/// let report = events.send_all(&client).await?;
/// assert!(report.is_complete());
/// # Ok(()) }
/// ```
pub trait SendAllStream: Stream + Sized {
    /// Starts sending; `.await` the result, or set options on it first.
    fn send_all(self, client: &Client) -> SendAllBuilder<'_, Self>;
}

impl<S> SendAllStream for S
where
    S: Stream,
    S::Item: EventInput,
{
    fn send_all(self, client: &Client) -> SendAllBuilder<'_, Self> {
        SendAllBuilder::new(client, self)
    }
}

pub(crate) type OutcomeCallback<'c> = Box<dyn FnMut(&Outcome) + Send + 'c>;

pub(crate) type BeforeSendHook<'c> = Box<dyn Fn(&[usize]) -> BeforeSend + Send + Sync + 'c>;

/// A signal that stops a call when it completes.
pub(crate) type StopSignal<'c> = Pin<Box<dyn Future<Output = ()> + Send + 'c>>;

/// A `send_all` call being set up; `.await` it to send.
///
/// By default the report keeps an entry for every created event. For very
/// large sends, [`keep_created(false)`](Self::keep_created) keeps only the
/// counts and the failures, so memory stays bounded by batch size × requests
/// in flight; [`on_outcome`](Self::on_outcome) sees every outcome as it
/// arrives.
///
/// # How the call ends
///
/// - `Ok(report)`: every event has an outcome: created, failed (not
///   stored), or failed with [`may_have_landed`](super::Failure::may_have_landed)
///   (unknown: send it again, it keeps its id).
/// - `Err(`[`SendError`]`)`: something stopped the call (credentials
///   refused, a token refresh that failed, the overall deadline of
///   [`Timeouts::with_overall`](super::Timeouts::with_overall)). The error
///   carries the report so far: events in flight fail with
///   [`FailureReason::InFlight`](super::FailureReason::InFlight), events
///   taken but not sent with [`FailureReason::NotSent`](super::FailureReason::NotSent),
///   and events from [`SendReport::total`] on were never taken from the source.
/// - The future is dropped before it ends: [`on_outcome`](Self::on_outcome)
///   is called, during the drop, with an `InFlight` or `NotSent` failure for
///   every event taken from the source that had no outcome yet, so a caller
///   that keeps its own tally still accounts for every event.
///
/// ```
/// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
/// use timeline_core::SendAll;
/// let report = events.send_all(&client).keep_created(false).max_failures(1_000).await?;
/// println!("{} failed", report.failed_count());
/// # Ok(()) }
/// ```
#[must_use = "nothing is sent until the call is awaited"]
pub struct SendAllBuilder<'c, S> {
    client: &'c Client,
    events: S,
    keep_created: bool,
    max_failures: usize,
    on_outcome: Option<OutcomeCallback<'c>>,
    before_send: Option<BeforeSendHook<'c>>,
    timeouts: Timeouts,
}

impl<'c, S> SendAllBuilder<'c, S> {
    fn new(client: &'c Client, events: S) -> Self {
        SendAllBuilder {
            client,
            events,
            keep_created: true,
            max_failures: DEFAULT_MAX_FAILURE_ENTRIES,
            on_outcome: None,
            before_send: None,
            timeouts: client.inner.shared.config.timeouts,
        }
    }

    /// This call's overall time limit, instead of the client's
    /// [`Timeouts::overall`]. A limit of zero is refused: the call ends in
    /// an [`Error::Config`] before sending anything.
    ///
    /// ```no_run
    /// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
    /// use std::time::Duration;
    /// use timeline_core::SendAll;
    /// let report = events.send_all(&client).overall_timeout(Duration::from_secs(30)).await?;
    /// # let _ = report; Ok(()) }
    /// ```
    pub fn overall_timeout(mut self, limit: Duration) -> Self {
        self.timeouts = self.timeouts.with_overall(limit);
        self
    }

    /// The limit on each attempt of this call, instead of the client's
    /// [`Timeouts::attempt`]. A limit of zero is refused: the call ends in
    /// an [`Error::Config`] before sending anything.
    ///
    /// ```no_run
    /// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
    /// use std::time::Duration;
    /// use timeline_core::SendAll;
    /// let report = events.send_all(&client).attempt_timeout(Duration::from_secs(5)).await?;
    /// # let _ = report; Ok(()) }
    /// ```
    pub fn attempt_timeout(mut self, limit: Duration) -> Self {
        self.timeouts = self.timeouts.with_attempt(limit);
        self
    }

    /// Whether the report lists created events (default `true`); failures
    /// are always counted and listed up to [`max_failures`](Self::max_failures).
    ///
    /// ```
    /// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
    /// use timeline_core::SendAll;
    /// let report = events.send_all(&client).keep_created(false).await?;
    /// assert!(report.created().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn keep_created(mut self, keep: bool) -> Self {
        self.keep_created = keep;
        self
    }

    /// The most failure entries the report lists (default
    /// [`DEFAULT_MAX_FAILURE_ENTRIES`]); the counts stay exact and
    /// [`SendReport::failures_omitted`] tells how many were left out.
    /// [`on_outcome`](Self::on_outcome) still sees every one.
    ///
    /// ```
    /// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
    /// use timeline_core::SendAll;
    /// let report = events.send_all(&client).max_failures(100).await?;
    /// println!("{} failures not listed", report.failures_omitted());
    /// # Ok(()) }
    /// ```
    pub fn max_failures(mut self, entries: usize) -> Self {
        self.max_failures = entries;
        self
    }

    /// Calls `callback` with every outcome, as batches finish (and, when the
    /// call is dropped unfinished, for every event still without one).
    ///
    /// ```
    /// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
    /// use timeline_core::{Outcome, SendAll};
    /// let mut created = 0;
    /// events.send_all(&client).keep_created(false).on_outcome(|outcome| created += usize::from(matches!(outcome, Outcome::Created(_)))).await?;
    /// # Ok(()) }
    /// ```
    pub fn on_outcome(mut self, callback: impl FnMut(&Outcome) + Send + 'c) -> Self {
        self.on_outcome = Some(Box::new(callback));
        self
    }

    /// Runs `step` for every batch once its first request is paced (its
    /// rate permit and place taken) and before it goes out, with the
    /// positions of the batch's events among the call's; the request waits
    /// for the step. A durable queue records there that the events may land
    /// from now on, so that a crash while they are in flight is not taken
    /// for a crash before sending. When the step fails, the call stops with
    /// [`Error::BeforeSend`] and the batch's events fail unsent.
    ///
    /// ```
    /// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
    /// use timeline_core::SendAll;
    /// let report = events
    ///     .send_all(&client)
    ///     .before_send(|positions| {
    ///         let count = positions.len();
    ///         Box::pin(async move {
    ///             println!("{count} events go out");
    ///             Ok(())
    ///         })
    ///     })
    ///     .await?;
    /// # let _ = report; Ok(()) }
    /// ```
    pub fn before_send(
        mut self,
        step: impl Fn(&[usize]) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync + 'c,
    ) -> Self {
        self.before_send = Some(Box::new(step));
        self
    }
}

impl<'c, S> IntoFuture for SendAllBuilder<'c, S>
where
    S: Stream + Send + 'c,
    S::Item: EventInput + Send,
{
    type Output = Result<SendReport, SendError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        let inner = &*self.client.inner;
        let reporting = Reporting {
            keep_created: self.keep_created,
            max_failures: self.max_failures,
            on_outcome: self.on_outcome,
            before_send: self.before_send,
            stop: None,
        };
        Box::pin(run(inner, self.events.enumerate(), reporting, Requests::Batches, self.timeouts))
    }
}

/// What the send loop does next.
enum Step<T, D> {
    /// A batch request finished.
    Finished(D),
    /// The source gave an event, or ended.
    Next(Option<T>),
    /// The source has nothing ready: send the partial batch rather than hold it.
    Idle,
    /// The overall deadline passed.
    Deadline,
    /// The caller's stop signal completed.
    Stopped,
}

/// The inputs of a batch under way, for accounting for them if the call stops.
struct InFlight {
    items: Vec<Item>,
    sent: Arc<SendMark>,
}

/// How a call's events are split into requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Requests {
    /// Batches of the client's batch size for each kind.
    Batches,
    /// One batch request per kind, holding every event of that kind.
    OneBatch,
    /// One event, sent to its kind's single-event endpoint when it has one
    /// (app events do; a v3 event goes in a batch of one).
    OneEvent,
}

/// How a call reports (what its report keeps, who sees each outcome), what
/// runs before each batch goes out, and what stops it early.
pub(crate) struct Reporting<'c> {
    pub(crate) keep_created: bool,
    pub(crate) max_failures: usize,
    pub(crate) on_outcome: Option<OutcomeCallback<'c>>,
    pub(crate) before_send: Option<BeforeSendHook<'c>>,
    /// Stops the call like its deadline, with [`Error::Stopped`].
    pub(crate) stop: Option<StopSignal<'c>>,
}

impl Reporting<'_> {
    /// A call that reports only in its result, keeping everything.
    pub(crate) fn in_result_only() -> Self {
        Reporting {
            keep_created: true,
            max_failures: DEFAULT_MAX_FAILURE_ENTRIES,
            on_outcome: None,
            before_send: None,
            stop: None,
        }
    }
}

/// The outcomes of a call so far, the batches it has under way and the
/// events it holds for the next batch.
///
/// Dropped unfinished (the call's future was dropped), it tells the outcome
/// callback about every event still without an outcome.
struct Tally<'c> {
    report: SendReport,
    on_outcome: Option<OutcomeCallback<'c>>,
    in_flight: HashMap<u64, InFlight>,
    chunker: Chunker,
    finished: bool,
}

impl Tally<'_> {
    fn record(&mut self, outcome: Outcome) {
        if let Some(callback) = self.on_outcome.as_mut() {
            callback(&outcome);
        }
        self.report.record(outcome);
    }

    /// Records every event still without an outcome as stopped: those in
    /// flight fail with `in_flight`, those held for the next batch and those
    /// of `unsent` with `not_sent`.
    fn stop(&mut self, unsent: Option<Batch>, not_sent: &Arc<FailureReason>, in_flight: &Arc<FailureReason>) {
        let mut stopped: Vec<(Item, bool)> = Vec::new();
        for (_, batch) in self.in_flight.drain() {
            let sent = batch.sent.is_sent();
            stopped.extend(batch.items.into_iter().map(|item| (item, sent)));
        }
        let held = unsent.into_iter().chain(self.chunker.finish());
        stopped.extend(held.flat_map(|batch| batch.items().to_vec()).map(|item| (item, false)));
        stopped.sort_by_key(|(item, _)| item.index);
        for (item, sent) in stopped {
            let reason = if sent || item.landed_before { in_flight } else { not_sent };
            self.record(Outcome::Failed(item.failure(Arc::clone(reason))));
        }
    }

    fn finish(mut self) -> SendReport {
        self.finished = true;
        std::mem::take(&mut self.report).finish()
    }
}

impl Drop for Tally<'_> {
    fn drop(&mut self) {
        if !self.finished && self.on_outcome.is_some() {
            let cause = "the call was dropped before it finished".to_owned();
            let not_sent = Arc::new(FailureReason::NotSent { cause: cause.clone() });
            self.stop(None, &not_sent, &Arc::new(FailureReason::InFlight { cause }));
        }
    }
}

/// Encodes and chunks `events` (each with its position among the call's
/// inputs) as they come, each kind into its own batches, keeping at most
/// `max_in_flight` batch requests under way. A partial batch goes out as
/// soon as the source has nothing ready, so a slow stream's events are not
/// held back waiting for a full batch. Unless `requests` is
/// [`Requests::Batches`] the events of each kind must fit one request.
/// `timeouts` are the call's (its connect limit is the client's, fixed
/// when it was built).
pub(crate) async fn run<S, E>(
    inner: &Inner,
    events: S,
    reporting: Reporting<'_>,
    requests: Requests,
    timeouts: Timeouts,
) -> Result<SendReport, SendError>
where
    S: Stream<Item = (usize, E)>,
    E: EventInput,
{
    if let Err(error) = timeouts.check() {
        return Err(SendError::new(error, SendReport::new(reporting.keep_created, reporting.max_failures).finish()));
    }
    let mut tally = Tally {
        report: SendReport::new(reporting.keep_created, reporting.max_failures),
        on_outcome: reporting.on_outcome,
        in_flight: HashMap::new(),
        chunker: chunker(inner, requests)
            .checking(&inner.shared.known_templates)
            .migrating(&inner.shared.migrations)
            .for_account(inner.account),
        finished: false,
    };
    let call = CallState::new(timeouts.attempt()).single_event(requests == Requests::OneEvent);
    let deadline = timeouts.overall().and_then(|limit| Some((Instant::now().checked_add(limit)?, limit)));
    let mut deadline_timer = std::pin::pin!(deadline.map(|(at, _)| tokio::time::sleep_until(at)));
    let mut stop_signal = reporting.stop;
    let mut in_flight = FuturesUnordered::new();
    let mut next_batch: u64 = 0;
    let mut events = std::pin::pin!(events);
    let mut exhausted = false;
    let before_send = reporting.before_send;
    let mut send = |mut batch: Batch, tally: &mut Tally<'_>| {
        if let Some(step) = &before_send {
            let positions: Vec<usize> = batch.items().iter().map(|item| item.index).collect();
            batch.before_first_send(step(&positions));
        }
        let key = next_batch;
        next_batch += 1;
        tally.in_flight.insert(key, InFlight { items: batch.items().to_vec(), sent: Arc::clone(batch.sent_flag()) });
        let call = &call;
        async move { (key, inner.deliver(batch, call).await) }
    };
    loop {
        let room = !exhausted && in_flight.len() < inner.shared.config.max_in_flight;
        let holding = tally.chunker.is_holding();
        let step: Step<_, (u64, Delivered)> = poll_fn(|cx| {
            // A batch that finished is recorded before a deadline or a stop
            // ends the call: its outcomes are known.
            if !in_flight.is_empty()
                && let Poll::Ready(Some(done)) = in_flight.poll_next_unpin(cx)
            {
                return Poll::Ready(Step::Finished(done));
            }
            if let Some(timer) = deadline_timer.as_mut().as_pin_mut()
                && timer.poll(cx).is_ready()
            {
                return Poll::Ready(Step::Deadline);
            }
            if let Some(signal) = stop_signal.as_mut()
                && signal.as_mut().poll(cx).is_ready()
            {
                return Poll::Ready(Step::Stopped);
            }
            if !room {
                return if in_flight.is_empty() { Poll::Ready(Step::Next(None)) } else { Poll::Pending };
            }
            match events.as_mut().poll_next(cx) {
                Poll::Ready(next) => Poll::Ready(Step::Next(next)),
                Poll::Pending if holding => Poll::Ready(Step::Idle),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        let (stop, unsent) = match step {
            Step::Finished((key, delivered)) => {
                tally.in_flight.remove(&key);
                delivered.outcomes.into_iter().for_each(|outcome| tally.record(outcome));
                (delivered.stop, None)
            }
            Step::Next(Some((index, event))) => match tally.chunker.push(index, &event) {
                Pushed::Ready(batch) if requests != Requests::Batches => {
                    let limit = inner.shared.config.max_request_bytes;
                    let error = Error::config(format!(
                        "the events do not fit one request body of at most {limit} bytes; use send_all"
                    ));
                    (Some(error), Some(batch))
                }
                Pushed::Ready(batch) => {
                    in_flight.push(send(batch, &mut tally));
                    (None, None)
                }
                Pushed::Pending => (None, None),
                Pushed::Failed(failure) => {
                    tally.record(Outcome::Failed(failure));
                    (None, None)
                }
            },
            Step::Next(None) if exhausted => break,
            Step::Next(None) | Step::Idle => {
                exhausted |= matches!(step, Step::Next(None));
                in_flight.extend(tally.chunker.finish().into_iter().map(|batch| send(batch, &mut tally)));
                (None, None)
            }
            Step::Deadline => (deadline.map(|(_, limit)| Error::Deadline(limit)), None),
            Step::Stopped => (Some(Error::Stopped), None),
        };
        if let Some(error) = stop {
            drop(in_flight);
            let not_sent = Arc::new(FailureReason::not_sent_by(&error));
            tally.stop(unsent, &not_sent, &Arc::new(FailureReason::InFlight { cause: error.to_string() }));
            return Err(SendError::new(error, tally.finish()));
        }
    }
    Ok(tally.finish())
}

/// The chunker of a call of `requests`.
fn chunker(inner: &Inner, requests: Requests) -> Chunker {
    let max_bytes = inner.shared.config.max_request_bytes;
    match requests {
        Requests::Batches => Chunker::new(inner.shared.config.batch_size, max_bytes)
            .app_event_inputs(inner.shared.config.app_event_batch_size),
        Requests::OneBatch | Requests::OneEvent => Chunker::new(usize::MAX, max_bytes),
    }
}
