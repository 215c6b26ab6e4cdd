//! [`RedisRateBudget`]: the [`RateBudget`] whose windows live in Redis, so
//! every replica of a service draws from one budget per account.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use timeline_core::AccountId;

use redis::{ErrorKind, RedisError, ServerErrorKind};
use timeline_core::{
    BoxFuture, BudgetError, LocalRateBudget, RateBudget, RateLimit, RateLimitHeaders, RatePermit, WindowUsage,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::connection::BudgetConnection;
use crate::error::Error;
use crate::script::{Answer, BudgetScript, Feedback};

/// What a [`RedisRateBudget`] does while Redis does not answer: no
/// connection, a timeout, or a server still loading its data set or whose
/// cluster is failing over (LOADING, BUSY, TRYAGAIN, MASTERDOWN,
/// CLUSTERDOWN).
///
/// Answers that are refusals are not outages, and no policy waits for them
/// (see [`Error`]): READONLY is tried again for the builder's
/// [`failover_grace`](crate::RedisRateBudgetBuilder::failover_grace), then fails
/// the permit; NOPERM (or a refused login), OOM and a failed script fail it
/// at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnUnreachable {
    /// No permit is handed out until Redis answers again: requests wait,
    /// trying Redis with a backoff (50 ms doubling up to 2 s). The shared
    /// limit is never overrun, whatever the number of replicas.
    Wait,
    /// Each replica paces its accounts in process, with a
    /// [`LocalRateBudget`] of the limit divided by `replicas` (at least one
    /// request per window), until Redis answers again; Redis is tried again
    /// at most once a second meanwhile. Sends go on at a reduced rate; the
    /// account's limit holds as long as at most `replicas` replicas run.
    LocalShare {
        /// How many replicas share the limit.
        replicas: u32,
    },
}

impl Default for OnUnreachable {
    /// [`OnUnreachable::Wait`]: a budget shared in Redis is there to keep
    /// every replica together under HubSpot's limit, and only waiting keeps
    /// that promise without knowing how many replicas run; the outbox of a
    /// dispatcher keeps the events meanwhile.
    fn default() -> Self {
        OnUnreachable::Wait
    }
}

/// The first and the longest wait between tries of [`OnUnreachable::Wait`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const LONGEST_BACKOFF: Duration = Duration::from_secs(2);

/// How long [`OnUnreachable::LocalShare`] paces locally before trying Redis again.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// What a failed call of the budget's script means.
enum Trouble {
    /// No answer, or a passing state of the server: [`OnUnreachable`] applies.
    Unreachable,
    /// READONLY: tried again until the failover grace has passed.
    ReadOnly,
    /// Any other refusal: the permit fails at once.
    Refused(Error),
}

/// Redis's own words: its error code and message (`NOPERM this user …`).
fn redis_words(error: &RedisError) -> String {
    match (error.code(), error.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        _ => error.to_string(),
    }
}

/// Sorts `error` into what the budget does about it.
fn trouble(error: &RedisError) -> Trouble {
    let detail = || redis_words(error);
    match error.kind() {
        ErrorKind::Server(ServerErrorKind::ReadOnly) => Trouble::ReadOnly,
        ErrorKind::Server(
            ServerErrorKind::BusyLoading
            | ServerErrorKind::TryAgain
            | ServerErrorKind::MasterDown
            | ServerErrorKind::ClusterDown,
        ) => Trouble::Unreachable,
        ErrorKind::Server(ServerErrorKind::NoPerm) | ErrorKind::AuthenticationFailed => {
            Trouble::Refused(Error::NoPermission { detail: detail() })
        }
        ErrorKind::Server(_) | ErrorKind::UnexpectedReturnType | ErrorKind::Parse => {
            Trouble::Refused(Error::Script { detail: detail() })
        }
        ErrorKind::Extension => match error.code() {
            Some("OOM") => Trouble::Refused(Error::OutOfMemory { detail: detail() }),
            Some("NOAUTH" | "WRONGPASS") => Trouble::Refused(Error::NoPermission { detail: detail() }),
            Some("BUSY") => Trouble::Unreachable,
            _ => Trouble::Refused(Error::Script { detail: detail() }),
        },
        _ => Trouble::Unreachable,
    }
}

/// A [`RateBudget`] shared through Redis by every process that names the
/// same Redis and key prefix: each account's rolling window is a sliding log
/// (a sorted set of request start times on the server's clock) that one Lua
/// script reads, trims and extends atomically per permit.
///
/// - A request starts when fewer than the limit are logged less than a window
///   ago; otherwise the permit sleeps until the oldest entry leaves the
///   window (the script says how long) and asks again.
/// - When the request ends, its entry is dated anew (the server counted it
///   after it started), so the shared window never frees a slot before
///   HubSpot's does.
/// - An answer's `X-HubSpot-RateLimit-Remaining` (with `-Max` and
///   `-Interval-Milliseconds`) fills the log when HubSpot counted more than
///   it held, and a 429 fills it and blocks the account until its
///   `Retry-After` has passed, for every replica (see
///   [`LocalRateBudget`] for the same rules in process).
/// - Keys expire about a window after their last change: idle accounts hold
///   nothing. Each account takes three keys,
///   `PREFIX:{ACCOUNT}:log`, `PREFIX:{ACCOUNT}:blocked` and `PREFIX:{ACCOUNT}:window`.
///
/// A permit takes one round trip to start (more when it waits) and one
/// more, in the background, when it ends; an answer's headers take one more
/// only when they carry `X-HubSpot-RateLimit-Remaining`.
///
/// When Redis does not answer, [`OnUnreachable`] says what happens; when
/// it answers with a refusal, the permit fails with a [`Error`].
///
/// ```no_run
/// use std::sync::Arc;
/// use timeline_core::{App, MemoryTokenStore, RateLimit};
/// use timeline_redis::{OnUnreachable, RedisRateBudget};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let budget = RedisRateBudget::builder()
///     .url("redis://127.0.0.1:6379")
///     .limit(RateLimit::hubspot())
///     .on_unreachable(OnUnreachable::LocalShare { replicas: 3 })
///     .build()
///     .await?;
/// let app = App::builder()
///     .client_id("app-id")
///     .client_secret("app-secret")
///     .token_store(Arc::new(MemoryTokenStore::new()))
///     .rate_budget(Arc::new(budget))
///     .build()?;
/// # drop(app);
/// # Ok(()) }
/// ```
pub struct RedisRateBudget {
    shared: Arc<Shared>,
}

/// What the budget and its permits share.
pub(crate) struct Shared {
    pub(crate) connection: BudgetConnection,
    pub(crate) script: BudgetScript,
    pub(crate) limit: RateLimit,
    pub(crate) on_unreachable: OnUnreachable,
    /// How long READONLY answers are tried again before permits fail.
    pub(crate) failover_grace: Duration,
    /// Since when Redis has answered READONLY (until it admits again).
    pub(crate) read_only_since: Mutex<Option<Instant>>,
    /// Whether Redis refuses (logged once per streak of refusals).
    pub(crate) refusing: AtomicBool,
    /// The in-process budget of [`OnUnreachable::LocalShare`].
    pub(crate) fallback: Option<LocalRateBudget>,
    /// A prefix unique to this budget for the members it logs.
    pub(crate) instance: String,
    pub(crate) sequence: AtomicU64,
    /// Whether Redis is known to be unreachable (logged once per outage).
    pub(crate) outage: AtomicBool,
    /// When [`OnUnreachable::LocalShare`] tries Redis next, during an outage.
    pub(crate) next_probe: Mutex<Option<Instant>>,
    pub(crate) feedback: mpsc::UnboundedSender<Feedback>,
    /// One gate per account with a request waiting: the requests of one
    /// budget ask Redis for an account one at a time, so a full window is
    /// polled by one waiter per replica, not by every waiting request.
    pub(crate) gates: Mutex<HashMap<AccountId, Arc<tokio::sync::Mutex<()>>>>,
}

impl Shared {
    /// A name no other request of any replica has.
    pub(crate) fn unique_name(&self) -> String {
        format!("{}-{}", self.instance, self.sequence.fetch_add(1, Ordering::Relaxed))
    }

    /// Notes that Redis answered: an outage, a read-only spell or a streak
    /// of refusals ends.
    fn reached(&self) {
        let outage_ended = self.outage.swap(false, Ordering::Relaxed);
        let refusals_ended = self.refusing.swap(false, Ordering::Relaxed);
        let read_only_ended = self.read_only_since.lock().is_ok_and(|mut since| since.take().is_some());
        if outage_ended || refusals_ended || read_only_ended {
            tracing::info!("Redis answers again: permits come from the shared budget");
        }
        if let Ok(mut probe) = self.next_probe.lock() {
            *probe = None;
        }
    }

    /// Notes a READONLY answer; the error the permit fails with once it has
    /// lasted the failover grace.
    fn read_only(&self, error: &RedisError, now: Instant) -> Option<Error> {
        let mut since = self.read_only_since.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let started = *since.get_or_insert_with(|| {
            tracing::warn!(%error, grace = ?self.failover_grace, "Redis answers READONLY: permits are asked again until a writable server answers or the grace has passed");
            now
        });
        let waited = now.saturating_duration_since(started);
        (waited >= self.failover_grace).then(|| Error::ReadOnly { waited, detail: redis_words(error) })
    }

    /// Notes a refusal (logged once per streak) and hands it to the permit's caller.
    fn refused(&self, error: Error) -> BudgetError {
        if !self.refusing.swap(true, Ordering::Relaxed) {
            tracing::error!(%error, "Redis refuses the budget: permits fail until it admits again");
        }
        Box::new(error)
    }

    /// Notes that Redis did not answer: an outage starts (logged once).
    fn unreachable(&self, error: &redis::RedisError) {
        if !self.outage.swap(true, Ordering::Relaxed) {
            match self.on_unreachable {
                OnUnreachable::Wait => {
                    tracing::warn!(%error, "Redis does not answer: permits wait until it does");
                }
                OnUnreachable::LocalShare { replicas } => {
                    tracing::warn!(%error, replicas, "Redis does not answer: each replica paces its share of the limit in process");
                }
            }
        }
    }

    /// The gate of `account`'s waiting requests.
    fn gate(&self, account: AccountId) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.gates.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(gates.entry(account).or_default())
    }

    /// Forgets `account`'s gate when no other request holds it.
    fn leave_gate(&self, account: AccountId, gate: Arc<tokio::sync::Mutex<()>>) {
        let mut gates = self.gates.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // The map's and ours: nobody else waits.
        if Arc::strong_count(&gate) == 2 {
            gates.remove(&account);
        }
    }

    /// Whether [`OnUnreachable::LocalShare`] should skip Redis for now.
    fn probe_later(&self, now: Instant) -> bool {
        self.next_probe.lock().map(|probe| probe.is_some_and(|at| now < at)).unwrap_or(false)
    }

    fn probe_after(&self, now: Instant) {
        if let Ok(mut probe) = self.next_probe.lock() {
            *probe = Some(now + PROBE_INTERVAL);
        }
    }
}

impl RedisRateBudget {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Self {
        RedisRateBudget { shared }
    }

    /// The limit every account is held to.
    pub fn limit(&self) -> RateLimit {
        self.shared.limit
    }

    /// Whether the last try found Redis unreachable.
    pub fn is_unreachable(&self) -> bool {
        self.shared.outage.load(Ordering::Relaxed)
    }

    async fn acquire_shared(&self, account: AccountId) -> Result<Box<dyn RatePermit + '_>, BudgetError> {
        let gate = self.shared.gate(account);
        let permit = {
            let _turn = gate.lock().await;
            self.acquire_in_turn(account).await
        };
        self.shared.leave_gate(account, gate);
        permit
    }

    /// Asks Redis (or the fallback) until `account` has room, or Redis
    /// refuses.
    async fn acquire_in_turn(&self, account: AccountId) -> Result<Box<dyn RatePermit + '_>, BudgetError> {
        let shared = &self.shared;
        let name = shared.unique_name();
        let mut backoff = FIRST_BACKOFF;
        loop {
            if let (OnUnreachable::LocalShare { .. }, Some(fallback)) = (shared.on_unreachable, &shared.fallback)
                && shared.probe_later(Instant::now())
            {
                return fallback.acquire(account).await;
            }
            let (generation, mut connection) = shared.connection.get();
            let error = match shared.script.acquire(&mut connection, account, &name).await {
                Ok(Answer::Admitted { at }) => {
                    shared.reached();
                    return Ok(Box::new(RedisPermit { shared: Arc::clone(shared), account, name, started: at }));
                }
                Ok(Answer::Wait { micros }) => {
                    shared.reached();
                    tokio::time::sleep(Duration::from_micros(micros.max(1))).await;
                    continue;
                }
                Err(error) => error,
            };
            match trouble(&error) {
                Trouble::Refused(refusal) => return Err(shared.refused(refusal)),
                Trouble::ReadOnly => {
                    if let Some(refusal) = shared.read_only(&error, Instant::now()) {
                        return Err(shared.refused(refusal));
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(LONGEST_BACKOFF);
                    shared.connection.replace(generation).await;
                }
                Trouble::Unreachable => {
                    shared.unreachable(&error);
                    if let (Some(fallback), OnUnreachable::LocalShare { .. }) =
                        (&shared.fallback, shared.on_unreachable)
                    {
                        shared.probe_after(Instant::now());
                        return fallback.acquire(account).await;
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(LONGEST_BACKOFF);
                }
            }
        }
    }
}

impl fmt::Debug for RedisRateBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateBudget")
            .field("limit", &self.shared.limit)
            .field("prefix", &self.shared.script.prefix())
            .field("on_unreachable", &self.shared.on_unreachable)
            .field("unreachable", &self.is_unreachable())
            .finish()
    }
}

impl RateBudget for RedisRateBudget {
    /// A permit from the account's shared window; a [`Error`] (boxed)
    /// when Redis refuses.
    fn acquire(&self, account: AccountId) -> BoxFuture<'_, Result<Box<dyn RatePermit + '_>, BudgetError>> {
        Box::pin(self.acquire_shared(account))
    }

    /// The account's shared window, as every replica fills it; the Redis
    /// error (boxed) when Redis cannot be asked.
    fn usage(&self, account: AccountId) -> BoxFuture<'_, Result<Option<WindowUsage>, BudgetError>> {
        Box::pin(async move {
            let (_, mut connection) = self.shared.connection.get();
            let (used, max, window_micros) = self
                .shared
                .script
                .usage(&mut connection, account)
                .await
                .map_err(|error| Box::new(error) as BudgetError)?;
            Ok(Some(WindowUsage { used, max, window: Duration::from_micros(window_micros) }))
        })
    }
}

/// A request's entry in its account's shared log.
struct RedisPermit {
    shared: Arc<Shared>,
    account: AccountId,
    name: String,
    /// The entry's start time (µs, the server's clock).
    started: u64,
}

impl RatePermit for RedisPermit {
    fn observe(&mut self, limits: &RateLimitHeaders) {
        let Some(remaining) = limits.remaining else {
            return;
        };
        let feedback = Feedback::Observe {
            account: self.account,
            prefix: self.shared.unique_name(),
            remaining,
            max: limits.max.unwrap_or(0),
            interval_millis: limits.interval_millis.unwrap_or(0),
            sent_at: self.started,
        };
        let _ = self.shared.feedback.send(feedback);
    }

    fn saturate(&mut self, retry_after: Option<Duration>) {
        let retry_after_micros = retry_after.map_or(0, |wait| u64::try_from(wait.as_micros()).unwrap_or(u64::MAX / 4));
        let feedback =
            Feedback::Saturate { account: self.account, prefix: self.shared.unique_name(), retry_after_micros };
        let _ = self.shared.feedback.send(feedback);
    }
}

impl Drop for RedisPermit {
    fn drop(&mut self) {
        let feedback =
            Feedback::Release { account: self.account, name: std::mem::take(&mut self.name), started: self.started };
        let _ = self.shared.feedback.send(feedback);
    }
}

/// Applies the permits' feedback in the order it came, one call each; a
/// failure is logged (the log then only lacks a correction, and entries
/// expire on their own).
pub(crate) async fn apply_feedback(
    script: BudgetScript,
    connection: BudgetConnection,
    mut feedback: mpsc::UnboundedReceiver<Feedback>,
) {
    while let Some(item) = feedback.recv().await {
        let (_, mut current) = connection.get();
        if let Err(error) = script.feedback(&mut current, &item, None).await {
            tracing::debug!(%error, "a rate-limit correction did not reach Redis");
        }
    }
}
