//! [`DispatcherBuilder`]: a dispatcher's sizes, times and sink, with their
//! named defaults, validated by [`spawn`](DispatcherBuilder::spawn).

use std::sync::Arc;
use std::time::Duration;

use timeline_core::{App, RetryPolicy};

use crate::Error;
use crate::config::Config;
use crate::dispatcher::Dispatcher;
use crate::outbox::Outbox;
use crate::sink::Sink;

/// The default most events of one account in one batch.
pub const DEFAULT_BATCH_SIZE: usize = 100;

/// HubSpot's most inputs in one batch request: the largest batch size.
pub const MAX_BATCH_SIZE: usize = 500;

/// The default longest wait of a fresh event for others of its account to
/// fill a batch.
pub const DEFAULT_LINGER: Duration = Duration::from_millis(200);

/// The default lease of a claim: how long another dispatcher (or this one
/// after a restart) waits before it takes a row this one claimed and did not
/// settle (it died, say). The dispatcher renews the leases of the rows it is
/// sending every third of the lease, so a live dispatcher keeps its claims
/// however long a request takes, and a dead one's rows come back within a
/// lease.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// The default longest time one batch's request (with the client's own
/// retries and the waits for its account's budget) may take before its
/// events are given back as a failed attempt: a slow or failing account
/// holds its places among the batches under way for at most this long.
pub const DEFAULT_BATCH_TIMEOUT: Duration = Duration::from_secs(20);

/// The default time delivered rows stay in the outbox before the dispatcher
/// purges them: the window in which the same event emitted again is
/// accepted once and not sent again. Dead letters stay until purged by hand
/// (`timeline outbox purge`).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 3600);

/// The longest wait any setting may give (a linger, a lease, a poll
/// interval, a batch timeout): a day. Longer waits are refused by
/// [`DispatcherBuilder::spawn`] instead of overflowing a clock.
pub const LONGEST_WAIT: Duration = Duration::from_secs(24 * 3600);

/// The longest retention: ten years.
const LONGEST_RETENTION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// The default most batches of one account under way at once.
pub const DEFAULT_BATCHES_PER_ACCOUNT: usize = 2;

/// The default most rows under way at once (claimed and being sent),
/// across accounts: with the batch size, the bound on batches under way.
pub const DEFAULT_ROWS_UNDER_WAY: usize = 5_000;

/// The default bound on undelivered rows (pending or claimed), at which
/// `emit` waits and `try_emit` refuses.
pub const DEFAULT_MAX_UNDELIVERED: u64 = 100_000;

/// The default wait before the second attempt of an event whose attempt
/// failed transiently; each later attempt waits twice as long.
pub const DEFAULT_RETRY_INITIAL_BACKOFF: Duration = Duration::from_secs(1);

/// The default longest wait between two attempts of one event.
pub const DEFAULT_RETRY_MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The default longest idle wait before the dispatcher looks at the outbox
/// again (for rows other processes added without [`Dispatcher::wake`]).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// Builds a [`Dispatcher`]: the app whose account clients deliver, the
/// outbox, and settings with the `DEFAULT_*` values of this module.
///
/// ```no_run
/// # async fn run(app: timeline_core::App, outbox: impl timeline_dispatch::Outbox) -> Result<(), timeline_dispatch::Error> {
/// use std::time::Duration;
/// use timeline_dispatch::Dispatcher;
///
/// let dispatcher = Dispatcher::builder(app, outbox)
///     .batch_size(50)
///     .linger(Duration::from_millis(100))
///     .max_undelivered(10_000)
///     .sink(|outcome: &timeline_dispatch::DispatchOutcome| println!("{outcome:?}"))
///     .spawn()?;
/// # let _ = dispatcher; Ok(()) }
/// ```
pub struct DispatcherBuilder {
    app: App,
    outbox: Arc<dyn Outbox>,
    sink: Option<Arc<dyn Sink>>,
    config: Config,
    /// Whether [`batch_timeout`](Self::batch_timeout) was given; without it
    /// a lease shorter than twice the default shortens the timeout to half
    /// the lease.
    batch_timeout_given: bool,
}

impl std::fmt::Debug for DispatcherBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DispatcherBuilder")
            .field("batch_size", &self.config.batch_size)
            .field("linger", &self.config.linger)
            .field("lease", &self.config.lease)
            .field("batches_per_account", &self.config.batches_per_account)
            .field("rows_under_way", &self.config.rows_under_way)
            .field("max_undelivered", &self.config.max_undelivered)
            .field("poll_interval", &self.config.poll_interval)
            .field("retention", &self.config.retention)
            .finish_non_exhaustive()
    }
}

impl DispatcherBuilder {
    pub(crate) fn new(app: App, outbox: Arc<dyn Outbox>) -> Self {
        let backoff = RetryPolicy::default()
            .with_initial_backoff(DEFAULT_RETRY_INITIAL_BACKOFF)
            .with_max_backoff(DEFAULT_RETRY_MAX_BACKOFF);
        let config = Config {
            batch_size: DEFAULT_BATCH_SIZE,
            linger: DEFAULT_LINGER,
            lease: DEFAULT_LEASE,
            batch_timeout: DEFAULT_BATCH_TIMEOUT,
            batches_per_account: DEFAULT_BATCHES_PER_ACCOUNT,
            rows_under_way: DEFAULT_ROWS_UNDER_WAY,
            max_undelivered: DEFAULT_MAX_UNDELIVERED,
            backoff,
            poll_interval: DEFAULT_POLL_INTERVAL,
            retention: DEFAULT_RETENTION,
        };
        DispatcherBuilder { app, outbox, sink: None, config, batch_timeout_given: false }
    }

    /// At most `size` events of one account in one batch, sent in requests
    /// of at most the app's own batch size (one request when the app's is as
    /// large, as with both defaults)
    /// ([`DEFAULT_BATCH_SIZE`]; 1 to [`MAX_BATCH_SIZE`]). An account with
    /// this many fresh events is sent at once, without lingering.
    pub fn batch_size(mut self, size: usize) -> Self {
        self.config.batch_size = size;
        self
    }

    /// A fresh event waits at most `linger` for others to fill a batch
    /// ([`DEFAULT_LINGER`]; zero sends at once). Redeliveries and rows found
    /// in the outbox at start do not linger.
    pub fn linger(mut self, linger: Duration) -> Self {
        self.config.linger = linger;
        self
    }

    /// Claims lease their rows for `lease` ([`DEFAULT_LEASE`]), renewed every
    /// third of it while their batch is under way: a row this dispatcher
    /// claimed and stopped renewing (it died) is claimed again after at most
    /// `lease`. At least a second, at most [`LONGEST_WAIT`], and longer
    /// than the batch timeout.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.config.lease = lease;
        self
    }

    /// One batch's request, with the client's retries, may take at most
    /// `timeout` (more than zero and less than the lease); then its events
    /// are a failed attempt, retried after the backoff (those that may have
    /// landed are sent as redeliveries). This bounds how long one slow or
    /// failing account holds its places among the batches under way.
    /// Without this setting: [`DEFAULT_BATCH_TIMEOUT`], or half the
    /// lease when that is shorter.
    pub fn batch_timeout(mut self, timeout: Duration) -> Self {
        self.config.batch_timeout = timeout;
        self.batch_timeout_given = true;
        self
    }

    /// At most `batches` batches of one account under way at once
    /// ([`DEFAULT_BATCHES_PER_ACCOUNT`], at least 1): while an account has
    /// that many, claims leave it out, and its next batch is claimed when
    /// one of them ends.
    pub fn batches_per_account(mut self, batches: usize) -> Self {
        self.config.batches_per_account = batches;
        self
    }

    /// At most `rows` rows under way at once across all accounts, that is
    /// `rows / batch size` batches ([`DEFAULT_ROWS_UNDER_WAY`], at least the
    /// batch size).
    pub fn rows_under_way(mut self, rows: usize) -> Self {
        self.config.rows_under_way = rows;
        self
    }

    /// The bound on undelivered rows (pending or claimed) this dispatcher
    /// knows of ([`DEFAULT_MAX_UNDELIVERED`], at least 1): at the bound
    /// [`Dispatcher::emit`] waits for room and [`Dispatcher::try_emit`]
    /// refuses, handing the event back.
    pub fn max_undelivered(mut self, rows: u64) -> Self {
        self.config.max_undelivered = rows;
        self
    }

    /// The waits between attempts of an event whose attempt failed
    /// transiently, as `policy`'s [`RetryPolicy::backoff`] gives them for the
    /// attempt number (its jitter included; its attempt and elapsed limits
    /// are not used: an event is retried until delivered or dead). The
    /// default goes from [`DEFAULT_RETRY_INITIAL_BACKOFF`] to
    /// [`DEFAULT_RETRY_MAX_BACKOFF`] with the default jitter. These waits
    /// come after the client's own retries of each request.
    pub fn retry_backoff(mut self, policy: RetryPolicy) -> Self {
        self.config.backoff = policy;
        self
    }

    /// The longest idle wait before looking at the outbox again
    /// ([`DEFAULT_POLL_INTERVAL`], more than zero, at most [`LONGEST_WAIT`]).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.config.poll_interval = interval;
        self
    }

    /// Delivered rows are purged once they are `retention` old
    /// ([`DEFAULT_RETENTION`]; more than zero, at most ten years): until
    /// then the same event emitted again is accepted once and not sent
    /// again. The dispatcher purges at start and then every minute (or every
    /// `retention`, when shorter); dead letters are never purged by it.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.config.retention = retention;
        self
    }

    /// Reports every applied attempt's outcome to `sink`.
    pub fn sink(mut self, sink: impl Sink) -> Self {
        self.sink = Some(Arc::new(sink));
        self
    }

    /// Checks the settings and starts the dispatcher's task on the current
    /// tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub fn spawn(mut self) -> Result<Dispatcher, Error> {
        if !self.batch_timeout_given {
            self.config.batch_timeout = self.config.batch_timeout.min(self.config.lease / 2);
        }
        self.validate()?;
        Ok(Dispatcher::start(self.app, self.outbox, self.sink, self.config))
    }

    fn validate(&self) -> Result<(), Error> {
        let config = &self.config;
        let refuse = |message: String| Err(Error::InvalidSetting(message));
        if config.batch_size == 0 || config.batch_size > MAX_BATCH_SIZE {
            return refuse(format!("the batch size is {}; give 1 to {MAX_BATCH_SIZE}", config.batch_size));
        }
        for (name, wait) in [
            ("linger", config.linger),
            ("lease", config.lease),
            ("batch timeout", config.batch_timeout),
            ("poll interval", config.poll_interval),
        ] {
            if wait > LONGEST_WAIT {
                return refuse(format!("the {name} is {wait:?}; give at most {LONGEST_WAIT:?}"));
            }
        }
        if config.lease < Duration::from_secs(1) {
            return refuse(format!("the lease is {:?}; give at least a second", config.lease));
        }
        if config.retention.is_zero() || config.retention > LONGEST_RETENTION {
            return refuse(format!(
                "the retention is {:?}; give more than zero and at most {LONGEST_RETENTION:?}",
                config.retention
            ));
        }
        if config.batch_timeout.is_zero() || config.batch_timeout >= config.lease {
            return refuse(format!(
                "the batch timeout is {:?}; give more than zero and less than the lease ({:?})",
                config.batch_timeout, config.lease
            ));
        }
        if config.batches_per_account == 0 {
            return refuse("batches per account is 0; give at least 1".to_owned());
        }
        if config.rows_under_way < config.batch_size {
            return refuse(format!(
                "rows under way is {}, under the batch size {}",
                config.rows_under_way, config.batch_size
            ));
        }
        if config.max_undelivered == 0 {
            return refuse("the bound on undelivered rows is 0; give at least 1".to_owned());
        }
        if config.poll_interval.is_zero() {
            return refuse("the poll interval is zero".to_owned());
        }
        Ok(())
    }
}

impl Dispatcher {
    /// A builder of a dispatcher delivering with `app`'s account clients
    /// from `outbox`; see [`DispatcherBuilder`].
    pub fn builder(app: App, outbox: impl Outbox) -> DispatcherBuilder {
        DispatcherBuilder::new(app, Arc::new(outbox))
    }

    /// As [`builder`](Self::builder), with an outbox the caller keeps a
    /// handle of too (to inspect it, or to share it between dispatchers).
    pub fn builder_shared(app: App, outbox: Arc<dyn Outbox>) -> DispatcherBuilder {
        DispatcherBuilder::new(app, outbox)
    }
}
