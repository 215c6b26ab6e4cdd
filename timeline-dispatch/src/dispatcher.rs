//! [`Dispatcher`]: the handle services emit through, and what its calls
//! return.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;

use timeline_core::{App, EncodeError, EventInput};
use tokio::sync::watch;

use crate::Error;
use crate::capacity::{Capacity, NoRoom};
use crate::config::Config;
use crate::error::TryEmitError;
use crate::input::encode_event;
use crate::metrics;
use crate::outbox::{Enqueued, EventKey, NewEvent, Outbox};
use crate::schedule::{self, Core, Signals, Stop};
use crate::shutdown::{Died, ShutdownReport};
use crate::sink::Sink;

/// Delivers events in the background, through an [`Outbox`], with the
/// account clients of an [`App`].
///
/// [`emit`](Self::emit) encodes an event for its account, adds it to the
/// outbox and returns; with a durable outbox the event survives a crash from
/// then on. The dispatcher's task, on the runtime that
/// [`spawn`](crate::DispatcherBuilder::spawn)ed it, runs continuous per-account
/// pipelines: it claims due rows (each account's oldest first, accounts by
/// their oldest due row) while there is room under the bound on rows under
/// way ([`rows_under_way`](crate::DispatcherBuilder::rows_under_way)), leaving out
/// the accounts that already have
/// [`batches_per_account`](crate::DispatcherBuilder::batches_per_account) batches
/// under way, and sends each batch at once through `app.account(account)`,
/// where it waits for its account's budget (within the app's bound on
/// requests in flight). An account's next batch is claimed as soon as one of
/// its batches ends, whatever the other accounts' batches are doing; an
/// account with most of the traffic has at most its own batches under way,
/// so another account's event goes out within one linger and one rate
/// window.
///
/// A fresh event waits at most the [linger](crate::DispatcherBuilder::linger) for
/// others of its account, or less when its account has a full batch.
///
/// # What becomes of an attempt
///
/// Just before a batch's request goes out (once it has its rate permit),
/// the outbox records that its rows may have landed
/// ([`Outbox::sending`](crate::Outbox::sending)). Each request has the
/// client's own retries first. Then, per event: created is *delivered*, and
/// so is HubSpot's "already in use" (an app event's 409) for a row that may
/// have landed before; for a row that never went out, that answer means
/// another event holds its id: a *dead letter* with
/// [`FailureReason::DuplicateId`](timeline_core::FailureReason::DuplicateId).
/// A failure that may have stored the event or is transient (5xx, 429, a
/// transport failure, a call stopped before sending the event) is *pending
/// again* after a backoff ([`retry_backoff`](crate::DispatcherBuilder::retry_backoff),
/// by attempt number), keeping its id. A revoked install *pauses* its
/// account ([`Outbox::pause`](crate::Outbox::pause), reason
/// [`INSTALL_REVOKED`](crate::INSTALL_REVOKED)): its rows are pending again,
/// due now, and wait until an operator resumes the account (`timeline outbox
/// resume`, once it installed the app again), instead of failing one batch
/// after another. Any other failure is a *dead letter* with its reason
/// (re-queue it with `timeline outbox retry`). Nothing is dropped:
/// HubSpot down for ten minutes leaves the events pending with their
/// next-attempt time.
///
/// Every outcome the outbox applied goes to the [sink](crate::DispatcherBuilder::sink),
/// with the client's typed reason; one the outbox refused as stale (another
/// dispatcher claimed the row again after this one's lease ended) is not
/// reported. A settlement the outbox could not take is tried again until it
/// lands; the leases of its rows are renewed meanwhile, so they are not sent
/// again.
///
/// # Leases
///
/// Claims lease their rows for the [lease](crate::DispatcherBuilder::lease) and
/// renew it every third of it while their batch is under way: a dispatcher
/// that died gives its rows back within one lease (30 s by default), to
/// another dispatcher or to itself once restarted.
///
/// # Backpressure
///
/// At most [`max_undelivered`](crate::DispatcherBuilder::max_undelivered) rows
/// wait undelivered: at the bound `emit` waits for room and `try_emit`
/// refuses and hands the event back. The count is the dispatcher's own:
/// rows it emitted and settled, corrected from the outbox's counts (rows
/// others added too) at start and then once a second. It never drops an
/// event.
///
/// # Stopping
///
/// [`shutdown`](Self::shutdown) stops intake, delivers what fits in its
/// time and reports what stays in the outbox. Dropping the last handle
/// stops the task without waiting: the rows it was sending go back to
/// pending and stay in the outbox for the next start.
///
/// A panic in the sink, the outbox or the dispatcher's own task stops the
/// task: [`flush`](Self::flush) and [`shutdown`](Self::shutdown) then fail
/// at once with [`Error::Died`], and `emit` refuses with [`Error::ShutDown`].
///
/// Cloning is cheap; every clone is the same dispatcher.
#[derive(Clone)]
pub struct Dispatcher {
    handle: Arc<Handle>,
}

/// What the clones of a dispatcher share; dropping it stops the task.
struct Handle {
    core: Arc<Core>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.core.capacity.close();
        self.core.stop(Stop::Abandon);
    }
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").finish_non_exhaustive()
    }
}

/// What [`Dispatcher::emit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// The event's key in the outbox.
    pub key: EventKey,
    /// Added, or there already (the same event emitted before: accepted
    /// once).
    pub enqueued: Enqueued,
}

impl Dispatcher {
    pub(crate) fn start(app: App, outbox: Arc<dyn Outbox>, sink: Option<Arc<dyn Sink>>, config: Config) -> Self {
        let core = Arc::new(Core {
            app,
            clients: Default::default(),
            outbox,
            sink,
            capacity: Capacity::new(config.max_undelivered),
            config,
            signals: Signals::default(),
            stop: watch::Sender::new(None),
            flushed: watch::Sender::new(0),
            report: watch::Sender::new(None),
        });
        let task = tokio::spawn(schedule::run(Arc::clone(&core)));
        tokio::spawn(watch_task(Arc::clone(&core), task));
        Dispatcher { handle: Arc::new(Handle { core }) }
    }

    fn core(&self) -> &Core {
        &self.handle.core
    }

    /// The outbox this dispatcher delivers from.
    pub fn outbox(&self) -> &Arc<dyn Outbox> {
        &self.core().outbox
    }

    /// The outbox row of `event` for the account `account`, without adding it
    /// (see [`encode_event`]): enqueue it in your own transaction, then call
    /// [`wake`](Self::wake).
    pub fn encode<E: EventInput + ?Sized>(
        &self,
        account: impl Into<AccountId>,
        event: &E,
    ) -> Result<NewEvent, EncodeError> {
        encode_event(account, event)
    }

    /// Encodes `event` for the account `account` now (a bad event is an
    /// error, and nothing is stored), then adds it to the outbox, waiting
    /// for room under the bound on undelivered rows; returns once the outbox
    /// has it. The same event emitted again (same account, template and id)
    /// is accepted once: [`Enqueued::AlreadyThere`].
    ///
    /// The event is only borrowed for the encoding: the future does not hold
    /// it.
    ///
    /// ```no_run
    /// # async fn run(dispatcher: timeline_dispatch::Dispatcher, event: timeline_core::EncodedInput) -> Result<(), timeline_dispatch::Error> {
    /// dispatcher.emit(101, &event).await?;
    /// # Ok(()) }
    /// ```
    pub fn emit<'s, A: Into<AccountId>, E: EventInput + ?Sized>(
        &'s self,
        account: A,
        event: &E,
    ) -> impl Future<Output = Result<Emitted, Error>> + Send + use<'s, A, E> {
        let encoded = encode_event(account, event);
        async move {
            let row = encoded?;
            self.core().capacity.take().await.map_err(|_| Error::ShutDown)?;
            self.enqueue_taken(row).await
        }
    }

    /// As [`emit`](Self::emit), but refuses at once instead of waiting when
    /// the bound on undelivered rows is reached, and hands `event` back
    /// whenever it stores nothing.
    pub async fn try_emit<E: EventInput + Send>(
        &self,
        account: impl Into<AccountId>,
        event: E,
    ) -> Result<Emitted, TryEmitError<E>> {
        let row = match encode_event(account, &event) {
            Ok(row) => row,
            Err(error) => return Err(TryEmitError { event, error: Error::Encode(error) }),
        };
        let error = match self.core().capacity.try_take() {
            Ok(()) => match self.enqueue_taken(row).await {
                Ok(emitted) => return Ok(emitted),
                Err(error) => error,
            },
            Err(NoRoom::Full) => Error::Full,
            Err(NoRoom::Closed) => Error::ShutDown,
        };
        Err(TryEmitError { event, error })
    }

    /// Adds `row` for which a place under the bound was taken.
    async fn enqueue_taken(&self, row: NewEvent) -> Result<Emitted, Error> {
        let core = self.core();
        let result = core.outbox.enqueue(std::slice::from_ref(&row), SystemTime::now()).await;
        let enqueued = match result.map(|answers| answers.first().copied()) {
            Ok(Some(enqueued)) => enqueued,
            Ok(None) => {
                core.capacity.give_back(1);
                return Err(Error::outbox_message("the outbox answered nothing for the event"));
            }
            Err(error) => {
                core.capacity.give_back(1);
                return Err(error);
            }
        };
        match enqueued {
            Enqueued::Added => {
                metrics::queued(1);
                core.signals.fresh(row.key.account, core.config.batch_size);
            }
            Enqueued::AlreadyThere => core.capacity.give_back(1),
        }
        Ok(Emitted { key: row.key, enqueued })
    }

    /// Tells the dispatcher that rows were added to its outbox by others
    /// (your own transaction, committed): they go out within the linger.
    pub fn wake(&self) {
        self.core().signals.woken();
    }

    /// A barrier: returns once every event emitted before the call is
    /// delivered or *failed for now*, that is dead, or pending with a
    /// next-attempt time after the flush began (its attempt failed
    /// transiently and waits for its backoff). It skips the linger.
    ///
    /// Precisely: it returns once a claim that began after the call holds
    /// no row enqueued at or before the call (by the enqueue times the
    /// outbox records), so events emitted meanwhile by other tasks do not
    /// hold it up. Claims take each account's oldest due rows first, and
    /// accounts by their oldest due row, so such a claim means no older
    /// row is due. Rows another dispatcher has claimed (a shared outbox)
    /// are not waited for.
    ///
    /// Fails with [`Error::ShutDown`] when the dispatcher stops first, and
    /// with [`Error::Died`] as soon as its task dies.
    pub async fn flush(&self) -> Result<(), Error> {
        let core = self.core();
        let target = core.signals.flush_requested();
        let mut flushed = core.flushed.subscribe();
        let mut report = core.report.subscribe();
        tokio::select! {
            done = flushed.wait_for(|&epoch| epoch >= target) => done.map(|_| ()).map_err(|_| Error::ShutDown),
            ended = report.wait_for(Option::is_some) => {
                if let Ok(ended) = ended && let Some(Err(died)) = &*ended {
                    return Err(died.to_error());
                }
                if *core.flushed.borrow() >= target { Ok(()) } else { Err(Error::ShutDown) }
            }
        }
    }

    /// Stops taking events (`emit` fails with [`Error::ShutDown`] from
    /// now on, in every clone), delivers what is due until nothing is or
    /// `timeout` has passed, gives the rows still being sent at the deadline
    /// back to pending, and reports what stays in the outbox.
    ///
    /// Every caller gets the report of the one stop; the timeout of the
    /// first call counts. The outbox's calls are bounded by it too (the
    /// final counts get a second more). Fails with [`Error::Died`] when the task
    /// died, before or during the shutdown.
    pub async fn shutdown(&self, timeout: Duration) -> Result<ShutdownReport, Error> {
        let core = self.core();
        core.capacity.close();
        let deadline = tokio::time::Instant::now().checked_add(timeout).unwrap_or_else(schedule::far_future);
        core.stop(Stop::Drain { deadline });
        let mut report = core.report.subscribe();
        let ended = report.wait_for(Option::is_some).await.map(|ended| ended.clone());
        match ended {
            Ok(Some(ended)) => ended.map_err(|died| died.to_error()),
            _ => Err(Died { message: "the dispatcher's task ended without a report".to_owned() }.to_error()),
        }
    }
}

/// Waits for the dispatcher's task; when it panicked, closes the intake and
/// tells every waiting `flush` and `shutdown`.
async fn watch_task(core: Arc<Core>, task: tokio::task::JoinHandle<()>) {
    let Err(error) = task.await else { return };
    let message = match error.try_into_panic() {
        Ok(panic) => panic
            .downcast_ref::<&str>()
            .map(|message| (*message).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned()),
        Err(error) => error.to_string(),
    };
    tracing::error!(%message, "the dispatcher's task died; its claimed rows come back when their leases end");
    core.capacity.close();
    core.report.send_replace(Some(Err(Died { message })));
}
