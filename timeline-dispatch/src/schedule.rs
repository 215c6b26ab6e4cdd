//! The dispatcher's task: when to claim (linger, size, flushes, retries
//! falling due), and the rounds that send claimed rows per account and
//! settle them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use timeline_core::App;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::builder::Config;
use crate::capacity::Capacity;
use crate::dispatcher::ShutdownReport;
use crate::input::StoredInput;
use crate::metrics;
use crate::outbox::{ClaimLimits, Claimed, EventKey, Fence, Outbox};
use crate::settle::{settlement, settlements};
use crate::sink::{DispatchOutcome, Fate, Sink};

/// How long the task waits after an outbox call failed before it tries again.
const OUTBOX_RETRY: Duration = Duration::from_secs(1);

/// How often, at most, an idle task reads the outbox's counts (for the bound
/// on undelivered rows and the depth gauges).
const RESYNC_INTERVAL: Duration = Duration::from_secs(1);

/// What the dispatcher's handles and its task share.
pub(crate) struct Core {
    pub(crate) app: App,
    pub(crate) outbox: Arc<dyn Outbox>,
    pub(crate) sink: Option<Arc<dyn Sink>>,
    pub(crate) config: Config,
    pub(crate) capacity: Capacity,
    pub(crate) signals: Signals,
    /// Set once: how the task is to stop.
    pub(crate) stop: watch::Sender<Option<Stop>>,
    /// The last flush request the task has satisfied.
    pub(crate) flushed: watch::Sender<u64>,
    /// Set when the task has stopped.
    pub(crate) report: watch::Sender<Option<ShutdownReport>>,
}

/// How the task stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// A shutdown: deliver what is due until the deadline.
    Drain {
        /// When the rows still being sent are given back.
        deadline: Instant,
    },
    /// Every handle is gone: stop now, giving back what is being sent.
    Abandon,
}

impl Core {
    /// Asks the task to stop as `stop` says, unless a stop was asked already.
    pub(crate) fn stop(&self, stop: Stop) {
        self.stop.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(stop);
            true
        });
        self.signals.notify.notify_one();
    }

    /// The time rows still being sent must be given back, if any.
    fn deadline(&self) -> Option<Instant> {
        match *self.stop.borrow() {
            Some(Stop::Drain { deadline }) => Some(deadline),
            Some(Stop::Abandon) => Some(Instant::now()),
            None => None,
        }
    }

    /// Reads the outbox's counts into the bound and the gauges.
    async fn resync(&self) {
        match self.outbox.counts().await {
            Ok(counts) => {
                self.capacity.resync(counts.pending + counts.claimed);
                metrics::depth(&counts, SystemTime::now());
            }
            Err(error) => tracing::warn!(%error, "the outbox could not count its rows"),
        }
    }

    fn report(&self, outcome: DispatchOutcome) {
        if let Some(sink) = &self.sink {
            sink.outcome(&outcome);
        }
    }
}

/// What emits, wakes and flushes tell the task.
#[derive(Default)]
pub(crate) struct Signals {
    pub(crate) notify: Notify,
    state: Mutex<SignalState>,
}

#[derive(Default)]
struct SignalState {
    /// Rows emitted since the last claim, per account.
    fresh: HashMap<u64, usize>,
    /// When the oldest of them (or a wake) came.
    first_fresh: Option<Instant>,
    /// An account has a full batch of fresh rows.
    full: bool,
    /// Flush requests so far.
    flush_requested: u64,
}

/// The signals as the task reads them before a claim.
struct Snapshot {
    first_fresh: Option<Instant>,
    full: bool,
    flush_requested: u64,
}

impl Signals {
    fn lock(&self) -> std::sync::MutexGuard<'_, SignalState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A row of `portal` was added.
    pub(crate) fn fresh(&self, portal: u64, batch_size: usize) {
        let mut state = self.lock();
        let count = state.fresh.entry(portal).or_default();
        *count += 1;
        let full = *count >= batch_size;
        state.full |= full;
        let first = state.first_fresh.is_none();
        state.first_fresh.get_or_insert_with(Instant::now);
        drop(state);
        if full || first {
            self.notify.notify_one();
        }
    }

    /// Rows were added by others.
    pub(crate) fn woken(&self) {
        self.lock().first_fresh.get_or_insert_with(Instant::now);
        self.notify.notify_one();
    }

    /// A new flush request; its number.
    pub(crate) fn flush_requested(&self) -> u64 {
        let mut state = self.lock();
        state.flush_requested += 1;
        let epoch = state.flush_requested;
        drop(state);
        self.notify.notify_one();
        epoch
    }

    fn snapshot(&self) -> Snapshot {
        let state = self.lock();
        Snapshot { first_fresh: state.first_fresh, full: state.full, flush_requested: state.flush_requested }
    }

    /// A claim begins: the fresh rows are no longer fresh.
    fn claiming(&self) {
        let mut state = self.lock();
        state.fresh.clear();
        state.first_fresh = None;
        state.full = false;
    }
}

/// The dispatcher's task: claims when something is due (at once for
/// backlogs, flushes, stops and full batches; after the linger for fresh
/// rows; at the outbox's next due time otherwise), runs a round per claim,
/// and stops as [`Stop`] says.
pub(crate) async fn run(core: Arc<Core>) {
    let limits = ClaimLimits {
        per_account: core.config.batch_size * core.config.batches_per_account,
        total: core.config.rows_per_round,
    };
    let mut backlog = true;
    let mut last_resync: Option<Instant> = None;
    let mut delivered_while_stopping = 0;
    let mut returned = 0;
    core.resync().await;
    let drained = loop {
        let snapshot = core.signals.snapshot();
        let stopping = *core.stop.borrow();
        match stopping {
            Some(Stop::Abandon) => break false,
            Some(Stop::Drain { deadline }) if Instant::now() >= deadline => break false,
            _ => {}
        }
        let flush_pending = snapshot.flush_requested > *core.flushed.borrow();
        if !(backlog || snapshot.full || flush_pending || stopping.is_some()) {
            if last_resync.is_none_or(|at| at.elapsed() >= RESYNC_INTERVAL) {
                core.resync().await;
                last_resync = Some(Instant::now());
            }
            let wake_at = match snapshot.first_fresh {
                Some(first) => first + core.config.linger,
                None => next_due(&core).await,
            };
            if wake_at > Instant::now() {
                tokio::select! {
                    () = core.signals.notify.notified() => continue,
                    () = tokio::time::sleep_until(wake_at) => {}
                }
            }
        }
        core.signals.claiming();
        let claimed = match core.outbox.claim(limits, core.config.lease, SystemTime::now()).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "the outbox could not claim rows; trying again");
                tokio::select! {
                    () = core.signals.notify.notified() => {}
                    () = tokio::time::sleep(OUTBOX_RETRY) => {}
                }
                continue;
            }
        };
        if claimed.is_empty() {
            backlog = false;
            core.flushed.send_if_modified(|flushed| {
                let newer = snapshot.flush_requested > *flushed;
                if newer {
                    *flushed = snapshot.flush_requested;
                }
                newer
            });
            if stopping.is_some() {
                break true;
            }
            continue;
        }
        backlog = true;
        let tally = round(&core, claimed).await;
        if stopping.is_some() || core.stop.borrow().is_some() {
            delivered_while_stopping += tally.delivered;
        }
        returned += tally.returned;
    };
    let outbox = core.outbox.counts().await.ok();
    core.report.send_replace(Some(ShutdownReport { drained, delivered_while_stopping, returned, outbox }));
}

/// When the outbox's next row is due, at most a poll interval from now.
async fn next_due(core: &Core) -> Instant {
    let poll = Instant::now() + core.config.poll_interval;
    match core.outbox.next_due().await {
        Ok(Some(due)) => {
            let wait = due.duration_since(SystemTime::now()).unwrap_or_default();
            (Instant::now() + wait).min(poll)
        }
        Ok(None) => poll,
        Err(error) => {
            tracing::warn!(%error, "the outbox could not say when its next row is due");
            Instant::now() + OUTBOX_RETRY
        }
    }
}

/// What a round did.
#[derive(Debug, Default)]
struct Tally {
    delivered: u64,
    returned: u64,
}

/// One batch under way: its rows, in batch order.
struct Batch {
    rows: Vec<(Fence, EventKey)>,
}

/// Sends `claimed` (in the claim's order: accounts fairly, each account's
/// oldest rows first) as batches of at most the batch size per account, all
/// at once, and settles each batch as its answer comes. At the stop's
/// deadline, the batches still under way are given back to pending.
async fn round(core: &Arc<Core>, claimed: Vec<Claimed>) -> Tally {
    let mut order: Vec<u64> = Vec::new();
    let mut accounts: HashMap<u64, Vec<Claimed>> = HashMap::new();
    for row in claimed {
        let rows = accounts.entry(row.key.portal).or_insert_with(|| {
            order.push(row.key.portal);
            Vec::new()
        });
        rows.push(row);
    }
    let mut tasks = JoinSet::new();
    let mut batches: HashMap<usize, Batch> = HashMap::new();
    for portal in order {
        let mut rows = accounts.remove(&portal).unwrap_or_default();
        while !rows.is_empty() {
            let rest = rows.split_off(rows.len().min(core.config.batch_size));
            let batch = std::mem::replace(&mut rows, rest);
            let id = batches.len();
            batches.insert(id, Batch { rows: batch.iter().map(|row| (row.fence, row.key.clone())).collect() });
            let inputs: Vec<StoredInput> = batch.into_iter().map(StoredInput::new).collect();
            let client = core.app.portal(portal);
            tasks.spawn(async move { (id, client.send_batch(inputs).await) });
        }
    }
    let mut tally = Tally::default();
    let mut stop = core.stop.subscribe();
    loop {
        let deadline = core.deadline();
        tokio::select! {
            joined = tasks.join_next() => match joined {
                None => break,
                Some(Ok((id, result))) => {
                    if let Some(batch) = batches.remove(&id) {
                        tally.delivered += settle_batch(core, batch, result).await;
                    }
                }
                Some(Err(error)) => tracing::error!(%error, "a batch's task failed; its rows come back when their lease ends"),
            },
            () = sleep_until_some(deadline) => break,
            changed = stop.changed() => if changed.is_err() { break },
        }
    }
    tasks.abort_all();
    if !batches.is_empty() {
        tally.returned = give_back(core, batches.into_values().flat_map(|batch| batch.rows).collect()).await;
    }
    tally
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Settles one answered batch, reports its outcomes and frees the places
/// of its delivered and dead rows; returns how many were delivered.
async fn settle_batch(
    core: &Core,
    batch: Batch,
    result: Result<timeline_core::SendReport, timeline_core::SendError>,
) -> u64 {
    let now = SystemTime::now();
    let fences: Vec<Fence> = batch.rows.iter().map(|(fence, _)| *fence).collect();
    let settled = settlements(&fences, result, &core.config.backoff, now);
    let applied = match core.outbox.settle(&settled.outcomes, now).await {
        Ok(applied) => applied,
        Err(error) => {
            tracing::warn!(%error, rows = fences.len(), "the outbox could not settle a batch; its rows come back when their lease ends");
            return 0;
        }
    };
    let (mut delivered, mut dead, mut retried) = (0, 0, 0);
    for ((fence, key), fate) in batch.rows.into_iter().zip(settled.fates) {
        match fate {
            Fate::Delivered { .. } => delivered += 1,
            Fate::Dead { .. } => dead += 1,
            Fate::RetryScheduled { .. } | Fate::Returned => retried += 1,
        }
        core.report(DispatchOutcome { row: fence.row, attempt: fence.attempt, key, fate });
    }
    metrics::settled(delivered, dead, retried, settled.rate_limited);
    core.capacity.give_back((delivered + dead).saturating_sub(applied.stale as u64));
    delivered
}

/// Gives `rows` back to pending, due now; returns how many the outbox took.
async fn give_back(core: &Core, rows: Vec<(Fence, EventKey)>) -> u64 {
    let now = SystemTime::now();
    let outcomes: Vec<_> = rows.iter().map(|(fence, _)| (*fence, settlement(&Fate::Returned, now))).collect();
    match core.outbox.settle(&outcomes, now).await {
        Ok(settled) => {
            for (fence, key) in rows {
                core.report(DispatchOutcome { row: fence.row, attempt: fence.attempt, key, fate: Fate::Returned });
            }
            settled.applied as u64
        }
        Err(error) => {
            tracing::warn!(%error, "the outbox could not take back the rows being sent; they come back when their lease ends");
            0
        }
    }
}
