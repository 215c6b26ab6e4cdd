//! The dispatcher's task: when to claim (linger, size, flushes, retries
//! falling due, batches ending), and the batches under way that send each
//! account's claimed rows, renew their leases and settle them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;

use timeline_core::{App, PreparedInput};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::accounts::AccountClients;
use crate::capacity::Capacity;
use crate::config::Config;
use crate::fate::Fate;
use crate::metrics;
use crate::outbox::{ClaimLimits, Claimed, EventKey, Fence, INSTALL_REVOKED, Outbox, Settled};
use crate::settle::{fates, install_revoked};
use crate::shutdown::{Died, ShutdownReport};
use crate::sink::{DispatchOutcome, Sink};

/// How long the task waits after an outbox call failed before it tries again.
const OUTBOX_RETRY: Duration = Duration::from_secs(1);

/// How often the task purges delivered rows past their retention (or once
/// per retention, when that is shorter).
const PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// How long past a stop's deadline a batch may take to settle what it
/// gives back.
const SETTLE_GRACE: Duration = Duration::from_secs(1);

/// How long a stopped task waits for the outbox's counts for its report.
const FINAL_COUNTS_WAIT: Duration = Duration::from_secs(1);

/// How often, at most, the task reads the outbox's counts (for the bound on
/// undelivered rows and the depth gauges).
const RESYNC_INTERVAL: Duration = Duration::from_secs(1);

/// The least idle wait after a claim that found nothing, so that an outbox
/// whose next due time is off (another clock) is not asked again at once.
const EMPTY_CLAIM_PAUSE: Duration = Duration::from_millis(10);

/// The least wait after a claim that found nothing while batches are under
/// way: the due rows may be those of the accounts left out, and the end of a
/// batch wakes the task anyway.
const BUSY_CLAIM_PAUSE: Duration = Duration::from_millis(100);

/// What the dispatcher's handles and its task share.
pub(crate) struct Core {
    pub(crate) app: App,
    /// The clients of the accounts sent for lately.
    pub(crate) clients: AccountClients,
    pub(crate) outbox: Arc<dyn Outbox>,
    pub(crate) sink: Option<Arc<dyn Sink>>,
    pub(crate) config: Config,
    pub(crate) capacity: Capacity,
    pub(crate) signals: Signals,
    /// Set once: how the task is to stop.
    pub(crate) stop: watch::Sender<Option<Stop>>,
    /// The last flush request the task has satisfied.
    pub(crate) flushed: watch::Sender<u64>,
    /// Set when the task has stopped: its report, or how it died.
    pub(crate) report: watch::Sender<Option<Result<ShutdownReport, Died>>>,
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

    /// `call`'s answer, or `None` when the stop's deadline comes first.
    async fn before_deadline<T>(&self, call: impl Future<Output = T>) -> Option<T> {
        let mut stop = self.stop.subscribe();
        tokio::select! {
            answer = call => Some(answer),
            () = stop_deadline(&mut stop) => None,
        }
    }

    /// Removes the delivered rows older than the retention.
    async fn purge_delivered(&self) {
        let Some(before) = SystemTime::now().checked_sub(self.config.retention) else { return };
        match self.outbox.purge_delivered(before).await {
            Ok(purged) => tracing::debug!(purged, "purged delivered rows past their retention"),
            Err(error) => tracing::warn!(%error, "the outbox could not purge delivered rows"),
        }
    }

    /// Reads the outbox's counts into the bound and the gauges.
    async fn resync(&self) {
        match self.outbox.depth().await {
            Ok(depth) => {
                self.capacity.resync(depth.undelivered);
                metrics::depth(&depth, SystemTime::now());
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
    fresh: HashMap<AccountId, usize>,
    /// When the oldest of them (or a wake) came.
    first_fresh: Option<Instant>,
    /// The accounts with a full batch of fresh rows.
    full: Vec<AccountId>,
    /// Flush requests so far.
    flush_requested: u64,
    /// When the last one came.
    flush_requested_at: Option<SystemTime>,
}

/// The signals as the task reads them before a claim.
struct Snapshot {
    first_fresh: Option<Instant>,
    full: Vec<AccountId>,
    flush_requested: u64,
    flush_requested_at: Option<SystemTime>,
}

impl Signals {
    fn lock(&self) -> std::sync::MutexGuard<'_, SignalState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A row of `account` was added.
    pub(crate) fn fresh(&self, account: AccountId, batch_size: usize) {
        let mut state = self.lock();
        let count = state.fresh.entry(account).or_default();
        *count += 1;
        let full = *count == batch_size;
        if full {
            state.full.push(account);
        }
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
        state.flush_requested_at = Some(SystemTime::now());
        let epoch = state.flush_requested;
        drop(state);
        self.notify.notify_one();
        epoch
    }

    fn snapshot(&self) -> Snapshot {
        let state = self.lock();
        Snapshot {
            first_fresh: state.first_fresh,
            full: state.full.clone(),
            flush_requested: state.flush_requested,
            flush_requested_at: state.flush_requested_at,
        }
    }

    /// A claim begins: the fresh rows are no longer fresh.
    fn claiming(&self) {
        let mut state = self.lock();
        state.fresh.clear();
        state.first_fresh = None;
        state.full.clear();
    }
}

/// The batches under way: per account, and the enqueue times of their rows
/// (for telling when a flush is done).
#[derive(Default)]
struct UnderWay {
    tasks: JoinSet<Finished>,
    per_account: HashMap<AccountId, usize>,
    oldest: BTreeMap<SystemTime, usize>,
}

/// A batch's task ended.
struct Finished {
    account: AccountId,
    oldest: SystemTime,
    tally: Tally,
}

impl UnderWay {
    /// Sends `rows` (one account's, oldest first) as batches of at most the
    /// batch size.
    fn send(&mut self, core: &Arc<Core>, account: AccountId, mut rows: Vec<Claimed>) {
        while !rows.is_empty() {
            let rest = rows.split_off(rows.len().min(core.config.batch_size));
            let batch = std::mem::replace(&mut rows, rest);
            let oldest = batch.iter().map(|row| row.enqueued_at).min().unwrap_or(SystemTime::UNIX_EPOCH);
            *self.per_account.entry(account).or_default() += 1;
            *self.oldest.entry(oldest).or_default() += 1;
            let core = Arc::clone(core);
            self.tasks
                .spawn(async move { Finished { account, oldest, tally: deliver_batch(core, account, batch).await } });
        }
    }

    /// What a batch's task gave, its places freed.
    ///
    /// # Panics
    ///
    /// Again, when the task panicked (the sink's or the outbox's panic): the
    /// dispatcher's task dies with it, and its handles say so.
    fn finished(&mut self, joined: Result<Finished, tokio::task::JoinError>) -> Option<Tally> {
        let done = match joined {
            Ok(done) => done,
            Err(error) => match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(error) => {
                    tracing::error!(%error, "a batch's task was cancelled");
                    return None;
                }
            },
        };
        if let Some(batches) = self.per_account.get_mut(&done.account) {
            *batches -= 1;
            if *batches == 0 {
                self.per_account.remove(&done.account);
            }
        }
        if let Some(batches) = self.oldest.get_mut(&done.oldest) {
            *batches -= 1;
            if *batches == 0 {
                self.oldest.remove(&done.oldest);
            }
        }
        Some(done.tally)
    }

    /// The accounts with `most` batches or more under way.
    fn full_accounts(&self, most: usize) -> Vec<AccountId> {
        self.per_account.iter().filter(|(_, batches)| **batches >= most).map(|(account, _)| *account).collect()
    }

    /// Whether no batch under way holds a row enqueued at or before `asked`.
    fn all_newer_than(&self, asked: SystemTime) -> bool {
        self.oldest.keys().next().is_none_or(|oldest| *oldest > asked)
    }
}

/// The dispatcher's task: continuous per-account pipelines. It claims when
/// something is due (at once for backlogs, flushes, stops, full batches and
/// a batch that ended; after the linger for fresh rows; at the outbox's next
/// due time otherwise) and while there is room under the bound on batches
/// under way, leaving out the accounts with all their batches under way; it
/// sends each account's claimed rows at once as batches, which pace
/// themselves on their account's budget, and never waits for one account's
/// batch before another's. It stops as [`Stop`] says.
pub(crate) async fn run(core: Arc<Core>) {
    let batch_size = core.config.batch_size;
    let most_batches = (core.config.rows_under_way / batch_size).max(1);
    let mut under_way = UnderWay::default();
    let mut backlog = true;
    // The last claim found nothing and nothing happened since: a flush or a
    // stop waits for a batch to end, a signal or a due time, not claiming
    // again at once.
    let mut idle = false;
    // The wait for a due time or a linger ended: claim what is due now.
    let mut timer_fired = false;
    let mut last_resync = Instant::now();
    let mut last_empty_claim: Option<Instant> = None;
    // Delivered while stopping, and given back.
    let mut stopped = Tally::default();
    core.resync().await;
    core.purge_delivered().await;
    let mut last_purge = Instant::now();
    let drained = loop {
        while let Some(joined) = under_way.tasks.try_join_next() {
            stopped.add(under_way.finished(joined), core.stop.borrow().is_some());
            backlog = true;
            idle = false;
        }
        if last_resync.elapsed() >= RESYNC_INTERVAL {
            core.resync().await;
            core.clients.forget_idle();
            last_resync = Instant::now();
        }
        if last_purge.elapsed() >= PURGE_INTERVAL.min(core.config.retention) && core.stop.borrow().is_none() {
            core.purge_delivered().await;
            last_purge = Instant::now();
        }
        let snapshot = core.signals.snapshot();
        let stopping = *core.stop.borrow();
        match stopping {
            Some(Stop::Abandon) => break false,
            Some(Stop::Drain { deadline }) if Instant::now() >= deadline => break false,
            _ => {}
        }
        let room = under_way.tasks.len() < most_batches;
        let flush_pending = snapshot.flush_requested > *core.flushed.borrow();
        // A full batch of an account whose batches are all under way waits
        // for one of them to end.
        let full = under_way.full_accounts(core.config.batches_per_account);
        let full_batch = snapshot.full.iter().any(|account| !full.contains(account));
        let urgent = backlog || full_batch || (!idle && (flush_pending || stopping.is_some()));
        if !room || !urgent {
            let wake_at = match (room, snapshot.first_fresh) {
                (false, _) => far_future(),
                (true, Some(first)) => first.checked_add(core.config.linger).unwrap_or_else(far_future),
                (true, None) => next_due(&core).await,
            };
            // Rows of the accounts left out may be due: while their batches
            // are under way, their ends wake the task, not the due time.
            let pause = if under_way.tasks.is_empty() { EMPTY_CLAIM_PAUSE } else { BUSY_CLAIM_PAUSE };
            let wake_at = last_empty_claim.map_or(wake_at, |at| wake_at.max(at + pause));
            if wake_at > Instant::now() {
                tokio::select! {
                    () = core.signals.notify.notified() => {
                        idle = false;
                        continue;
                    }
                    () = tokio::time::sleep_until(wake_at) => timer_fired = true,
                    Some(joined) = under_way.tasks.join_next(), if !under_way.tasks.is_empty() => {
                        stopped.add(under_way.finished(joined), core.stop.borrow().is_some());
                        backlog = true;
                        idle = false;
                        continue;
                    }
                }
                if !room {
                    continue;
                }
            }
        }
        // A claim for a backlog or after a batch ended takes only rows due a
        // linger ago: fresh rows keep lingering for others of their account
        // (a full batch, a flush, a stop or the linger's end claim them).
        let lingering = !(full_batch || flush_pending || stopping.is_some() || timer_fired);
        timer_fired = false;
        let now = SystemTime::now();
        let (cutoff, lease) = match now.checked_sub(core.config.linger) {
            Some(cutoff) if lingering => (cutoff, core.config.lease + core.config.linger),
            _ => {
                core.signals.claiming();
                (now, core.config.lease)
            }
        };
        let limits =
            ClaimLimits { per_account: batch_size, total: (most_batches - under_way.tasks.len()) * batch_size };
        let claim = core.outbox.claim_skipping(limits, &full, lease, cutoff);
        let claimed = match core.before_deadline(claim).await {
            None => break false,
            Some(Ok(claimed)) => claimed,
            Some(Err(error)) => {
                tracing::warn!(%error, "the outbox could not claim rows; trying again");
                tokio::select! {
                    () = core.signals.notify.notified() => {}
                    () = tokio::time::sleep(OUTBOX_RETRY) => {}
                }
                continue;
            }
        };
        // No row emitted before the last flush request is due and unclaimed
        // (this claim's rows are newer; an account left out has its oldest
        // due rows in its batches under way), nor under way: the flushes
        // asked so far are done.
        let flushed = snapshot
            .flush_requested_at
            .is_none_or(|asked| claimed.iter().all(|row| row.enqueued_at > asked) && under_way.all_newer_than(asked));
        if flushed {
            core.flushed.send_if_modified(|flushed| {
                let newer = snapshot.flush_requested > *flushed;
                if newer {
                    *flushed = snapshot.flush_requested;
                }
                newer
            });
        }
        if claimed.is_empty() {
            backlog = false;
            idle = true;
            last_empty_claim = Some(Instant::now());
            if stopping.is_some() && under_way.tasks.is_empty() {
                break true;
            }
            continue;
        }
        backlog = true;
        idle = false;
        last_empty_claim = None;
        let mut order: Vec<AccountId> = Vec::new();
        let mut accounts: HashMap<AccountId, Vec<Claimed>> = HashMap::new();
        for row in claimed {
            accounts
                .entry(row.key.account)
                .or_insert_with(|| {
                    order.push(row.key.account);
                    Vec::new()
                })
                .push(row);
        }
        for account in order {
            under_way.send(&core, account, accounts.remove(&account).unwrap_or_default());
        }
    };
    // The batches still under way stop at the deadline by themselves.
    while let Some(joined) = under_way.tasks.join_next().await {
        stopped.add(under_way.finished(joined), true);
    }
    let outbox = tokio::time::timeout(FINAL_COUNTS_WAIT, core.outbox.counts()).await.ok().and_then(Result::ok);
    let Tally { delivered: delivered_while_stopping, returned } = stopped;
    core.report.send_replace(Some(Ok(ShutdownReport { drained, delivered_while_stopping, returned, outbox })));
}

/// An instant later than any wait of the dispatcher's.
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}

/// When the outbox's next row is due, at most a poll interval from now.
async fn next_due(core: &Core) -> Instant {
    let poll = Instant::now().checked_add(core.config.poll_interval).unwrap_or_else(far_future);
    match core.outbox.next_due().await {
        Ok(Some(due)) => {
            let wait = due.duration_since(SystemTime::now()).unwrap_or_default();
            Instant::now().checked_add(wait).unwrap_or_else(far_future).min(poll)
        }
        Ok(None) => poll,
        Err(error) => {
            tracing::warn!(%error, "the outbox could not say when its next row is due");
            Instant::now() + OUTBOX_RETRY
        }
    }
}

/// What a batch did: rows delivered, and rows given back at a stop.
#[derive(Debug, Default)]
struct Tally {
    delivered: u64,
    returned: u64,
}

impl Tally {
    /// Adds a batch's given-back rows, and its delivered ones when the
    /// dispatcher is `stopping`.
    fn add(&mut self, batch: Option<Tally>, stopping: bool) {
        if let Some(batch) = batch {
            self.delivered += if stopping { batch.delivered } else { 0 };
            self.returned += batch.returned;
        }
    }
}

/// Sends one batch of one account's claimed rows and settles them (trying
/// again until the outbox takes the fates), renewing their leases
/// the whole time, and reports the fates the outbox applied. Before
/// the batch's request goes out, the outbox records that its rows may land
/// ([`Outbox::sending`]).
async fn deliver_batch(core: Arc<Core>, account: AccountId, batch: Vec<Claimed>) -> Tally {
    let fences: Vec<Fence> = batch.iter().map(|row| row.fence).collect();
    tokio::select! {
        tally = send_and_settle(&core, account, batch) => tally,
        () = renew_leases(&core, &fences) => unreachable!("renewing leases never ends"),
    }
}

/// The work of [`deliver_batch`], beside the renewal of its leases.
async fn send_and_settle(core: &Core, account: AccountId, batch: Vec<Claimed>) -> Tally {
    let mut keys: HashMap<Fence, EventKey> = HashMap::with_capacity(batch.len());
    let inputs: Vec<(Fence, PreparedInput)> = batch
        .into_iter()
        .map(|row| {
            let key = &row.key;
            let input = PreparedInput::new(key.kind, key.event_type.clone(), key.event_id.clone(), row.body)
                .with_may_have_landed(row.may_have_landed);
            keys.insert(row.fence, row.key);
            (row.fence, input)
        })
        .collect();
    let client = core.clients.client(&core.app, account);
    let outbox = Arc::clone(&core.outbox);
    let mut stop = core.stop.subscribe();
    let delivery = client
        .deliver(inputs)
        .overall_timeout(core.config.batch_timeout)
        .stop_when(async move { stop_deadline(&mut stop).await })
        .before_send(move |fences| {
            let fences = fences.to_vec();
            let outbox = Arc::clone(&outbox);
            Box::pin(async move {
                outbox
                    .sending(&fences)
                    .await
                    .map(drop)
                    .map_err(|error| format!("the outbox could not record the send: {error}"))
            })
        })
        .await;
    let returned = matches!(delivery.stopped, Some(timeline_core::Error::Stopped));
    let paused = install_revoked(&delivery.outcomes) && pause_revoked(core, account).await;
    let settled = fates(delivery.outcomes, returned, paused, &core.config.backoff, SystemTime::now());
    let mut stop = core.stop.subscribe();
    let Some(applied) = settle_until_taken(core, &settled.fates, &mut stop).await else {
        return Tally::default();
    };
    let stale: HashSet<Fence> = applied.stale.into_iter().collect();
    let (mut delivered, mut dead, mut retried, mut given_back) = (0, 0, 0, 0);
    for (fence, fate) in settled.fates {
        let Some(key) = keys.remove(&fence) else { continue };
        if stale.contains(&fence) {
            continue;
        }
        match fate {
            Fate::Delivered { .. } => delivered += 1,
            Fate::Dead { .. } => dead += 1,
            Fate::RetryAt { .. } if returned => given_back += 1,
            Fate::RetryAt { .. } => retried += 1,
        }
        core.report(DispatchOutcome { row: fence.row, attempt: fence.attempt, key, fate });
    }
    metrics::settled(delivered, dead, retried + given_back, settled.rate_limited);
    metrics::stale(stale.len() as u64);
    core.capacity.give_back(delivered + dead);
    Tally { delivered, returned: given_back }
}

/// Pauses `account`, whose install is revoked, so that its rows wait for
/// an operator's resume instead of failing one batch after another; whether
/// the account is paused (by this call or before).
async fn pause_revoked(core: &Core, account: AccountId) -> bool {
    match core.before_deadline(core.outbox.pause(account, INSTALL_REVOKED, SystemTime::now())).await {
        Some(Ok(newly)) => {
            if newly {
                tracing::warn!(account = account.get(), "the install is revoked: the account is paused until resumed");
            }
            true
        }
        Some(Err(error)) => {
            tracing::warn!(account = account.get(), %error, "the outbox could not pause an account whose install is revoked");
            false
        }
        None => false,
    }
}

/// Settles `fates`, trying again after an outbox error until the outbox
/// takes them; `None` when a stop's deadline and then [`SETTLE_GRACE`] pass
/// first (the rows come back when their leases end, and nothing is sent
/// again before).
async fn settle_until_taken(
    core: &Core,
    fates: &[(Fence, Fate)],
    stop: &mut watch::Receiver<Option<Stop>>,
) -> Option<Settled> {
    loop {
        let attempt = tokio::select! {
            biased;
            settled = core.outbox.settle(fates, SystemTime::now()) => settled,
            () = stop_deadline_after(stop, SETTLE_GRACE) => return None,
        };
        match attempt {
            Ok(settled) => return Some(settled),
            Err(error) => {
                tracing::warn!(%error, rows = fates.len(), "the outbox could not settle a batch; trying again");
                tokio::select! {
                    () = tokio::time::sleep(OUTBOX_RETRY) => {}
                    () = stop_deadline_after(stop, SETTLE_GRACE) => return None,
                }
            }
        }
    }
}

/// Extends the leases of `fences` every third of the lease, forever.
async fn renew_leases(core: &Core, fences: &[Fence]) {
    let every = core.config.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        if let Err(error) = core.outbox.renew(fences, core.config.lease, SystemTime::now()).await {
            tracing::warn!(%error, rows = fences.len(), "the outbox could not renew the leases of a batch");
        }
    }
}

/// Waits until the stop's deadline (at once for an abandon); forever while
/// no stop is asked.
async fn stop_deadline(stop: &mut watch::Receiver<Option<Stop>>) {
    stop_deadline_after(stop, Duration::ZERO).await
}

/// Waits until `grace` after the stop's deadline (after an abandon's
/// moment); forever while no stop is asked.
async fn stop_deadline_after(stop: &mut watch::Receiver<Option<Stop>>, grace: Duration) {
    loop {
        let current = *stop.borrow_and_update();
        match current {
            Some(Stop::Abandon) => return tokio::time::sleep(grace).await,
            Some(Stop::Drain { deadline }) => {
                return tokio::time::sleep_until(deadline.checked_add(grace).unwrap_or(deadline)).await;
            }
            None => {
                if stop.changed().await.is_err() {
                    return std::future::pending().await;
                }
            }
        }
    }
}
