//! What became of every event of a call.
//!
//! Every event ends in one of three states, and the report never says a
//! stronger thing than it knows:
//!
//! - **created**: HubSpot stored it ([`Created`]); when HubSpot answered that
//!   its id was "already in use" after an earlier attempt may have stored it,
//!   the event is created and [`Created::confirmed_by_duplicate`] says so;
//! - **failed, definitely not stored**: a [`Failure`] whose
//!   [`may_have_landed`](Failure::may_have_landed) is `false`; fix or drop it,
//!   or send it again later (rate limits, outages);
//! - **unknown, may have been stored**: a [`Failure`] whose `may_have_landed`
//!   is `true` (an attempt got no answer, a connection closed after sending, a
//!   500/502/504, the call stopped while it was in flight). Send it again with
//!   the same id: HubSpot keeps one event per id, and an "already in use"
//!   answer to that resend counts as created.
//!
//! "May have landed" is sticky: once any attempt of an input may have stored
//! it, no later answer (a 503, a refusal of a split batch) makes it "not
//! stored".

use crate::AccountId;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::validation::TemplateViolation;
use crate::error::{EncodeError, Error};
use crate::wire::ErrorDetail;

/// An event HubSpot stored.
///
/// ```
/// # fn show(report: &timeline_core::SendReport) {
/// for created in report.created() {
///     println!("event {} stored as {} on {:?}", created.index, created.id, created.object_id);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Created {
    /// The event's position among the call's inputs (0-based).
    pub index: usize,
    /// The id the event was sent with.
    pub id: String,
    /// The event's type: the template id, or an app event's event type name.
    pub event_type: String,
    /// The CRM record HubSpot put it on, when the answer said so.
    pub object_id: Option<String>,
    /// Whether HubSpot answered that the id is already in use, after an
    /// earlier attempt (of this call, or one the input was marked
    /// [`sent before`](super::EventInput::sent_before) by) may have stored
    /// it: the event was stored by that earlier attempt.
    pub confirmed_by_duplicate: bool,
    /// The account it was sent for, when the client knows it (an
    /// [`App`](super::App)'s account clients and [`App::send_all`](super::App::send_all)).
    pub account: Option<AccountId>,
}

/// An event that was not stored (or whose fate is unknown).
///
/// ```
/// # fn show(report: &timeline_core::SendReport) {
/// for failure in report.failed() {
///     let action = if failure.may_have_landed { "resend as it is" } else { "fix it" };
///     println!("event {} failed ({}): {action}", failure.index, failure.reason);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Failure {
    /// The event's position among the call's inputs (0-based).
    pub index: usize,
    /// The id it was sent with; `None` when it could not be encoded.
    pub id: Option<String>,
    /// The event's type: the template id, or an app event's event type name.
    pub event_type: String,
    /// Why. Reasons shared by a whole batch are one allocation for all its events.
    pub reason: Arc<FailureReason>,
    /// Whether HubSpot may have stored the event anyway: the reason says so,
    /// or an earlier attempt of the same input may have landed. Resending such
    /// an event is safe: it keeps its id.
    pub may_have_landed: bool,
    /// The account it was for, when the client knows it (an
    /// [`App`](super::App)'s account clients and [`App::send_all`](super::App::send_all)).
    pub account: Option<AccountId>,
}

impl Failure {
    /// A failure of the input `index` for `reason`, possibly stored by an
    /// earlier attempt when `landed_before`.
    pub(crate) fn new(
        index: usize,
        id: Option<String>,
        event_type: String,
        reason: Arc<FailureReason>,
        landed_before: bool,
    ) -> Self {
        let may_have_landed = landed_before || reason.may_have_landed();
        Failure { index, id, event_type, reason, may_have_landed, account: None }
    }

    /// The same failure, of the account `account`.
    pub(crate) fn of_account(mut self, account: Option<AccountId>) -> Self {
        self.account = account;
        self
    }
}

/// Why an event failed.
///
/// ```
/// use timeline_core::FailureReason;
/// let reason = FailureReason::RateLimited { daily: true, message: "daily limit".into() };
/// assert!(reason.is_retryable() && !reason.may_have_landed());
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FailureReason {
    /// It could not be encoded, so it was never sent.
    #[error("not sent: {0}")]
    Encoding(#[from] EncodeError),
    /// Its encoded input alone is larger than the client's request body limit.
    #[error("not sent: its input is {bytes} bytes, over the request body limit of {limit} bytes")]
    TooLarge {
        /// The input's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// It does not fit the template the client knows for it, so it was never sent.
    #[error("not sent: it does not fit its template: {}", violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    TemplateMismatch {
        /// Every way it does not fit.
        violations: Vec<TemplateViolation>,
    },
    /// Its v3 template is sent as an app event (see
    /// [`ClientBuilder::migrate`](super::ClientBuilder::migrate)), and the
    /// app-event type cannot take it (a token with no property, a value its
    /// property refuses), so it was never sent.
    #[error("not sent: app event {event_type_name} cannot take it: {}", problems.iter().map(|problem| problem.message.as_str()).collect::<Vec<_>>().join("; "))]
    NotMigrated {
        /// The app-event type its template is sent as.
        event_type_name: String,
        /// Every problem, each located in the v3 input (such as `tokens.petAge`).
        problems: Vec<ErrorDetail>,
    },
    /// HubSpot rejected it as invalid.
    #[error("rejected by HubSpot ({category}): {message}")]
    Validation {
        /// Such as `VALIDATION_ERROR`.
        category: String,
        /// HubSpot's message.
        message: String,
        /// HubSpot's context (such as the input's `id`).
        context: BTreeMap<String, Vec<String>>,
        /// HubSpot's details.
        details: Vec<ErrorDetail>,
    },
    /// HubSpot refused the request with an answer that is neither a success,
    /// a validation error nor a server error: a 4xx, or a 3xx (redirects are
    /// not followed).
    #[error("refused by HubSpot with status {status}: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// HubSpot's message.
        message: String,
    },
    /// HubSpot's rate limit: the daily one (never retried) or the burst one
    /// after every retry.
    #[error("rate limited by HubSpot ({}): {message}", if *.daily { "daily limit" } else { "burst limit, after retries" })]
    RateLimited {
        /// Whether the daily limit was hit.
        daily: bool,
        /// HubSpot's message.
        message: String,
    },
    /// HubSpot kept answering with a server error.
    #[error("HubSpot answered {status} after {attempts} attempts")]
    Server {
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The request kept failing in transport.
    #[error("transport failure after {attempts} attempts: {message}")]
    Transport {
        /// The last failure.
        message: String,
        /// Attempts made.
        attempts: u32,
        /// Whether a request may have reached HubSpot.
        may_have_landed: bool,
    },
    /// HubSpot accepted the request but its answer could not be read, so the
    /// event may have been stored. Sending it again is safe: it keeps its id.
    #[error("the answer could not be read, the event may have been stored: {detail}")]
    ResponseUnreadable {
        /// What was wrong with the answer.
        detail: String,
    },
    /// HubSpot refused the id as already in use ("Event ID already in use",
    /// or an app event's 409: an occurrence with this id exists), and no
    /// earlier attempt of this input can have stored it: another event
    /// (another object, other content) holds the id.
    #[error("not stored: its id is already in use by another event: {message}")]
    DuplicateId {
        /// HubSpot's message.
        message: String,
    },
    /// The account's install is revoked (the token endpoint answered
    /// `invalid_grant` to its refresh token): the event was not sent. It
    /// can be sent once the account installs the app again.
    #[error("not sent: the install of account {account} is revoked")]
    InstallRevoked {
        /// The account.
        account: AccountId,
    },
    /// The call stopped (an error, its deadline, or it was dropped) before
    /// the event was sent: it was not stored.
    #[error("not sent: the call stopped first ({cause})")]
    NotSent {
        /// Why the call stopped.
        cause: String,
    },
    /// The call stopped (an error, its deadline, or it was dropped) while the
    /// event's request was under way: it may have been stored.
    #[error("the call stopped while the event was in flight, it may have been stored ({cause})")]
    InFlight {
        /// Why the call stopped.
        cause: String,
    },
}

impl FailureReason {
    /// Whether this reason alone means HubSpot may have stored the event.
    /// [`Failure::may_have_landed`] also counts earlier attempts: read that.
    ///
    /// ```
    /// use timeline_core::FailureReason;
    /// assert!(FailureReason::InFlight { cause: "deadline".into() }.may_have_landed());
    /// assert!(!FailureReason::NotSent { cause: "deadline".into() }.may_have_landed());
    /// ```
    pub fn may_have_landed(&self) -> bool {
        match self {
            FailureReason::Transport { may_have_landed, .. } => *may_have_landed,
            FailureReason::Server { status, .. } => status_may_have_stored(*status),
            FailureReason::ResponseUnreadable { .. } | FailureReason::InFlight { .. } => true,
            _ => false,
        }
    }

    /// Whether sending the event again later may store it: `true` for rate
    /// limits, server errors, transport failures, unreadable answers and
    /// events the call stopped before or during their request; `false` for
    /// what only a change to the event or the setup fixes (encoding,
    /// template mismatch, too large, HubSpot's validation, an id in use by
    /// another event, a 4xx or 3xx refusal, a revoked install).
    ///
    /// ```
    /// use timeline_core::FailureReason;
    /// assert!(FailureReason::Server { status: 503, attempts: 6 }.is_retryable());
    /// assert!(!FailureReason::Rejected { status: 403, message: "missing scopes".into() }.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            FailureReason::RateLimited { .. }
            | FailureReason::Server { .. }
            | FailureReason::Transport { .. }
            | FailureReason::ResponseUnreadable { .. }
            | FailureReason::NotSent { .. }
            | FailureReason::InFlight { .. } => true,
            FailureReason::Encoding(_)
            | FailureReason::TooLarge { .. }
            | FailureReason::TemplateMismatch { .. }
            | FailureReason::NotMigrated { .. }
            | FailureReason::Validation { .. }
            | FailureReason::Rejected { .. }
            | FailureReason::DuplicateId { .. }
            | FailureReason::InstallRevoked { .. } => false,
        }
    }
}

impl FailureReason {
    /// The reason of an event not sent because `error` stopped its call: a
    /// revoked install says so, anything else is [`FailureReason::NotSent`].
    pub(crate) fn not_sent_by(error: &Error) -> FailureReason {
        match error {
            Error::InstallRevoked { account } => FailureReason::InstallRevoked { account: *account },
            other => FailureReason::NotSent { cause: other.to_string() },
        }
    }
}

/// Whether an answer with this status, to a request whose body was sent,
/// may come after HubSpot stored its events: an internal error or a
/// gateway's timeout can follow the work.
pub(crate) fn status_may_have_stored(status: u16) -> bool {
    matches!(status, 500 | 502 | 504)
}

/// The fate of one event.
///
/// ```
/// # async fn run(client: timeline_core::Client, event: timeline_core::EncodedInput) -> Result<(), timeline_core::SendError> {
/// match client.send(&event).await? {
///     timeline_core::Outcome::Created(created) => println!("stored as {}", created.id),
///     timeline_core::Outcome::Failed(failure) => eprintln!("failed: {}", failure.reason),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored.
    Created(Created),
    /// Not stored, or not known to be.
    Failed(Failure),
}

impl Outcome {
    /// The event's position among the call's inputs.
    ///
    /// ```
    /// # fn show(outcome: &timeline_core::Outcome) {
    /// println!("event {} has an outcome", outcome.index());
    /// # }
    /// ```
    pub fn index(&self) -> usize {
        match self {
            Outcome::Created(created) => created.index,
            Outcome::Failed(failure) => failure.index,
        }
    }
}

/// The default bound on the failure entries a report keeps.
///
/// ```
/// assert_eq!(timeline_core::SendReport::default().failed().len(), 0);
/// assert!(timeline_core::DEFAULT_MAX_FAILURE_ENTRIES >= 1000);
/// ```
pub const DEFAULT_MAX_FAILURE_ENTRIES: usize = 100_000;

/// What became of every event of a call: counts, the failures and the
/// created events (unless the call was told not to keep them).
///
/// The counts are always exact. The report lists at most
/// [`max_failures`](super::SendAllBuilder::max_failures) failures
/// ([`DEFAULT_MAX_FAILURE_ENTRIES`] by default), the first ones by arrival;
/// [`failures_omitted`](Self::failures_omitted) says how many more there were.
///
/// Every event with an index below [`total`](Self::total) has an outcome in
/// the report; a call that stopped early (see [`SendError`]) never took the
/// events from `total` on from its source, so they were never sent.
///
/// ```
/// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) -> Result<(), timeline_core::SendError> {
/// use timeline_core::SendAll;
/// let report = events.send_all(&client).await?;
/// println!("{} of {} stored, {} may be", report.created_count(), report.total(), report.may_have_landed_count());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SendReport {
    total: usize,
    created_count: usize,
    failed_count: usize,
    may_have_landed_count: usize,
    confirmed_by_duplicate_count: usize,
    created: Vec<Created>,
    failed: Vec<Failure>,
    keep_created: bool,
    max_failures: usize,
}

impl Default for SendReport {
    fn default() -> Self {
        SendReport::new(true, DEFAULT_MAX_FAILURE_ENTRIES)
    }
}

impl SendReport {
    pub(crate) fn new(keep_created: bool, max_failures: usize) -> Self {
        SendReport {
            total: 0,
            created_count: 0,
            failed_count: 0,
            may_have_landed_count: 0,
            confirmed_by_duplicate_count: 0,
            created: Vec::new(),
            failed: Vec::new(),
            keep_created,
            max_failures,
        }
    }

    pub(crate) fn record(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Created(created) => {
                self.created_count += 1;
                self.confirmed_by_duplicate_count += usize::from(created.confirmed_by_duplicate);
                if self.keep_created {
                    self.created.push(created);
                }
            }
            Outcome::Failed(failure) => {
                self.failed_count += 1;
                self.may_have_landed_count += usize::from(failure.may_have_landed);
                if self.failed.len() < self.max_failures {
                    self.failed.push(failure);
                }
            }
        }
    }

    /// Adds the outcomes of `other`, a report of other events of the same
    /// call, keeping this report's bounds.
    pub(crate) fn merge(&mut self, other: SendReport) {
        self.total += other.total;
        self.created_count += other.created_count;
        self.failed_count += other.failed_count;
        self.may_have_landed_count += other.may_have_landed_count;
        self.confirmed_by_duplicate_count += other.confirmed_by_duplicate_count;
        if self.keep_created {
            self.created.extend(other.created);
        }
        let room = self.max_failures.saturating_sub(self.failed.len());
        self.failed.extend(other.failed.into_iter().take(room));
    }

    pub(crate) fn finish(mut self) -> Self {
        self.created.sort_by_key(|created| created.index);
        self.failed.sort_by_key(|failure| failure.index);
        self
    }

    /// How many events have an outcome: every event the call took from its
    /// source (all of them, unless the call stopped early).
    ///
    /// ```
    /// assert_eq!(timeline_core::SendReport::default().total(), 0);
    /// ```
    pub fn total(&self) -> usize {
        self.total
    }

    /// How many were stored.
    ///
    /// ```
    /// assert_eq!(timeline_core::SendReport::default().created_count(), 0);
    /// ```
    pub fn created_count(&self) -> usize {
        self.created_count
    }

    /// How many of the stored events were confirmed by an "already in use"
    /// answer to a resend.
    ///
    /// ```
    /// assert_eq!(timeline_core::SendReport::default().confirmed_by_duplicate_count(), 0);
    /// ```
    pub fn confirmed_by_duplicate_count(&self) -> usize {
        self.confirmed_by_duplicate_count
    }

    /// How many failed (listed or not).
    ///
    /// ```
    /// assert_eq!(timeline_core::SendReport::default().failed_count(), 0);
    /// ```
    pub fn failed_count(&self) -> usize {
        self.failed_count
    }

    /// How many failed events HubSpot may have stored anyway (listed or not).
    ///
    /// ```
    /// assert_eq!(timeline_core::SendReport::default().may_have_landed_count(), 0);
    /// ```
    pub fn may_have_landed_count(&self) -> usize {
        self.may_have_landed_count
    }

    /// How many failures are counted but not listed, past the bound on entries.
    ///
    /// ```
    /// assert_eq!(timeline_core::SendReport::default().failures_omitted(), 0);
    /// ```
    pub fn failures_omitted(&self) -> usize {
        self.failed_count - self.failed.len()
    }

    /// The stored events, by index; empty when the call did not keep them.
    ///
    /// ```
    /// assert!(timeline_core::SendReport::default().created().is_empty());
    /// ```
    pub fn created(&self) -> &[Created] {
        &self.created
    }

    /// The failed events, by index (at most the bound on entries).
    ///
    /// ```
    /// assert!(timeline_core::SendReport::default().failed().is_empty());
    /// ```
    pub fn failed(&self) -> &[Failure] {
        &self.failed
    }

    /// The listed failed events HubSpot may have stored anyway.
    ///
    /// ```
    /// let report = timeline_core::SendReport::default();
    /// assert_eq!(report.may_have_landed().count(), 0);
    /// ```
    pub fn may_have_landed(&self) -> impl Iterator<Item = &Failure> {
        self.failed.iter().filter(|failure| failure.may_have_landed)
    }

    /// Whether every event was stored.
    ///
    /// ```
    /// assert!(timeline_core::SendReport::default().is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        self.failed_count == 0
    }
}

/// A call that stopped before every event had an outcome of its own: an
/// [`Error`] (credentials refused, a failed token refresh) or the overall
/// deadline. It still carries the [`SendReport`] of everything so far:
///
/// - events HubSpot answered for have their outcome;
/// - events whose request was under way fail with
///   [`FailureReason::InFlight`] (they may have been stored);
/// - events taken from the source but not yet sent fail with
///   [`FailureReason::NotSent`];
/// - events from [`SendReport::total`] on were never taken from the source.
///
/// ```no_run
/// # async fn run(client: timeline_core::Client, events: Vec<timeline_core::EncodedInput>) {
/// use timeline_core::SendAll;
/// match events.send_all(&client).await {
///     Ok(report) => println!("{} stored", report.created_count()),
///     Err(stopped) => {
///         eprintln!("stopped: {}", stopped.cause());
///         let report = stopped.report();
///         println!("{} stored, {} may have been, resend from {}",
///             report.created_count(), report.may_have_landed_count(), report.total());
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{cause} (the call stopped with {} of its events accounted for)", report.total)]
#[non_exhaustive]
pub struct SendError {
    #[source]
    cause: Error,
    report: SendReport,
}

impl SendError {
    pub(crate) fn new(cause: Error, report: SendReport) -> Self {
        SendError { cause, report }
    }

    /// What stopped the call.
    ///
    /// ```
    /// # fn show(stopped: &timeline_core::SendError) {
    /// eprintln!("stopped by {}", stopped.cause());
    /// # }
    /// ```
    pub fn cause(&self) -> &Error {
        &self.cause
    }

    /// The outcome of every event the call took from its source.
    ///
    /// ```
    /// # fn show(stopped: &timeline_core::SendError) {
    /// eprintln!("{} events accounted for", stopped.report().total());
    /// # }
    /// ```
    pub fn report(&self) -> &SendReport {
        &self.report
    }

    /// The cause and the report, by value.
    ///
    /// ```
    /// # fn show(stopped: timeline_core::SendError) {
    /// let (cause, report) = stopped.into_parts();
    /// eprintln!("{cause}: {} failed", report.failed_count());
    /// # }
    /// ```
    pub fn into_parts(self) -> (Error, SendReport) {
        (self.cause, self.report)
    }
}
