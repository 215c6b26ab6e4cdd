//! `send_all`: any number of events, streamed into batches with a bounded
//! number of requests in flight and a report on every event.

use std::future::{Future, IntoFuture, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use futures_util::stream::{self, FuturesUnordered, Stream, StreamExt};

use super::batch::{Chunker, Pushed};
use super::exchange::within;
use super::input::EventInput;
use super::report::{Outcome, SendReport};
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
/// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::Error> {
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
/// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::Error> {
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

type OutcomeCallback<'c> = Box<dyn FnMut(&Outcome) + Send + 'c>;

/// A `send_all` call being set up; `.await` it to send.
///
/// By default the report keeps an entry for every created event. For very
/// large sends, [`keep_created(false)`](Self::keep_created) keeps only the
/// counts and the failures, so memory stays bounded by batch size × requests
/// in flight; [`on_outcome`](Self::on_outcome) sees every outcome as it
/// arrives.
#[must_use = "nothing is sent until the call is awaited"]
pub struct SendAllBuilder<'c, S> {
    client: &'c Client,
    events: S,
    keep_created: bool,
    on_outcome: Option<OutcomeCallback<'c>>,
}

impl<'c, S> SendAllBuilder<'c, S> {
    fn new(client: &'c Client, events: S) -> Self {
        SendAllBuilder { client, events, keep_created: true, on_outcome: None }
    }

    /// Whether the report lists created events (default `true`); failures
    /// are always listed.
    pub fn keep_created(mut self, keep: bool) -> Self {
        self.keep_created = keep;
        self
    }

    /// Calls `callback` with every outcome, as batches finish.
    pub fn on_outcome(mut self, callback: impl FnMut(&Outcome) + Send + 'c) -> Self {
        self.on_outcome = Some(Box::new(callback));
        self
    }
}

impl<'c, S> IntoFuture for SendAllBuilder<'c, S>
where
    S: Stream + Send + 'c,
    S::Item: EventInput + Send,
{
    type Output = Result<SendReport, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        let inner = &*self.client.inner;
        Box::pin(within(inner.config.timeouts.overall(), run(inner, self.events, self.keep_created, self.on_outcome)))
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
}

/// Encodes and chunks `events` as they come, keeping at most
/// `max_in_flight` batch requests under way. A partial batch goes out as
/// soon as the source has nothing ready, so a slow stream's events are not
/// held back waiting for a full batch.
async fn run<S>(
    inner: &Inner,
    events: S,
    keep_created: bool,
    mut on_outcome: Option<OutcomeCallback<'_>>,
) -> Result<SendReport, Error>
where
    S: Stream,
    S::Item: EventInput,
{
    let mut report = SendReport::new(keep_created);
    let mut record = |outcome: Outcome| {
        if let Some(callback) = on_outcome.as_mut() {
            callback(&outcome);
        }
        report.record(outcome);
    };
    let mut chunker =
        Chunker::new(inner.config.batch_size, inner.config.max_request_bytes).checking(&inner.known_templates);
    let mut in_flight = FuturesUnordered::new();
    let mut events = std::pin::pin!(events.enumerate());
    let mut exhausted = false;
    loop {
        let room = !exhausted && in_flight.len() < inner.config.max_in_flight;
        let holding = chunker.is_holding();
        let step: Step<_, Result<Vec<Outcome>, Error>> = poll_fn(|cx| {
            if !in_flight.is_empty()
                && let Poll::Ready(Some(done)) = in_flight.poll_next_unpin(cx)
            {
                return Poll::Ready(Step::Finished(done));
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
        match step {
            Step::Finished(done) => done?.into_iter().for_each(&mut record),
            Step::Next(Some((index, event))) => match chunker.push(index, &event) {
                Pushed::Ready(batch) => in_flight.push(inner.deliver(batch)),
                Pushed::Pending => {}
                Pushed::Failed(failure) => record(Outcome::Failed(failure)),
            },
            Step::Next(None) if exhausted => break,
            Step::Next(None) => {
                exhausted = true;
                in_flight.extend(chunker.finish().map(|batch| inner.deliver(batch)));
            }
            Step::Idle => in_flight.extend(chunker.finish().map(|batch| inner.deliver(batch))),
        }
    }
    Ok(report.finish())
}
