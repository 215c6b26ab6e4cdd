//! The operator console: server-rendered pages under `/admin` over any
//! [`Outbox`] (no script needed for any action), behind a token login.
//!
//! - [`Console`] holds the tokens, the sessions, the audit and the
//!   outcomes heard ([`Sink`]); [`Console::router`] serves it over an outbox.
//! - One module per page (`pages::*`) and per action (`actions::*`); the
//!   data a page shows comes from `accounts`, over the `Outbox` trait.

mod access;
mod accounts;
mod actions;
mod activity;
mod audit;
mod budget;
mod chart;
mod error;
mod layout;
mod pages;
mod role;
mod sessions;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use timeline_core::RateBudget;
use timeline_dispatch::{DispatchOutcome, Dispatcher, Outbox, Sink};

use access::{CONSOLE, Operator, Refusal, Secret, Tokens};
#[cfg(feature = "metrics")]
use activity::Activity;
use audit::Audit;
use sessions::Sessions;

use crate::error::Error;

/// The environment variable holding the console's admin token.
pub const ADMIN_TOKEN_VAR: &str = "TIMELINE_ADMIN_TOKEN";

/// The environment variable holding the console's read-only token.
pub const READ_TOKEN_VAR: &str = "TIMELINE_ADMIN_READ_TOKEN";

/// How long a console login lasts unless [set](ConsoleBuilder::session_lifetime).
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// The relay's operator console: `/admin` pages over an [`Outbox`] (each
/// account's undelivered and dead rows, the age of its oldest undelivered
/// row, a chart per minute of the last hour's outcomes, dead letters with
/// their reasons, retry of one or all of an account's, an audit of every
/// action) behind a login with the admin token or a read-only token; every
/// URL also takes `Authorization: Bearer <token>` for scripts.
///
/// Give it to [`RelayBuilder::console`](crate::RelayBuilder::console), or
/// serve [`dispatcher_router`](Self::dispatcher_router) in a service of your
/// own, with a clone as the dispatcher's [`Sink`] (the chart counts the
/// outcomes it hears) and its [`observe_budget`](Self::observe_budget) as the
/// app's budget (the pages count requests and 429s). Cloning is cheap; every
/// clone is the same console.
///
/// ```no_run
/// # async fn run(app: timeline_core::App, outbox: timeline_dispatch::MemoryOutbox) -> Result<(), Box<dyn std::error::Error>> {
/// use timeline_dispatch::Dispatcher;
/// use timeline_relay::Console;
///
/// let console = Console::builder(std::env::var("TIMELINE_ADMIN_TOKEN")?).build()?;
/// let dispatcher = Dispatcher::builder(app, outbox).sink(console.clone()).spawn()?;
/// let service = axum::Router::new().merge(console.dispatcher_router(&dispatcher));
/// # let _ = service;
/// # Ok(()) }
/// ```
///
/// ```
/// use timeline_relay::Console;
/// let console = Console::builder("a-long-random-admin-token").read_only_token("a-long-random-read-token").build()?;
/// assert!(!format!("{console:?}").contains("admin-token"), "Debug shows no token");
/// # Ok::<(), timeline_relay::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Console {
    state: Arc<ConsoleState>,
}

/// What every clone of a [`Console`] shares.
#[derive(Debug)]
struct ConsoleState {
    tokens: Tokens,
    sessions: Sessions,
    audit: Audit,
    activity: Activity,
    /// The app's budget, once [observed](Console::observe_budget): each
    /// account's window as it is filled now.
    budget: budget::Observed,
    secure_cookies: bool,
}

/// Builds a [`Console`].
#[derive(Debug)]
pub struct ConsoleBuilder {
    admin: Secret,
    read_only: Option<Secret>,
    secure_cookies: bool,
    session_lifetime: Duration,
}

impl Console {
    /// A console whose admin token is `admin_token`; its cookies are `Secure`
    /// unless [told otherwise](ConsoleBuilder::secure_cookies).
    pub fn builder(admin_token: impl Into<String>) -> ConsoleBuilder {
        ConsoleBuilder {
            admin: Secret::new(admin_token.into()),
            read_only: None,
            secure_cookies: true,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
        }
    }

    /// A console with the tokens of [`ADMIN_TOKEN_VAR`] and (optionally)
    /// [`READ_TOKEN_VAR`], or `None` when the admin token is not set: the
    /// console is then off.
    pub fn from_env() -> Option<ConsoleBuilder> {
        let admin = std::env::var(ADMIN_TOKEN_VAR).ok()?;
        let builder = Console::builder(admin);
        Some(match std::env::var(READ_TOKEN_VAR) {
            Ok(read_only) => builder.read_only_token(read_only),
            Err(_) => builder,
        })
    }

    /// The console's routes over `outbox`: `/admin` and every path under
    /// it. A dispatcher of another process delivers what the console
    /// requeues at its next look at the outbox; prefer
    /// [`dispatcher_router`](Self::dispatcher_router) for a dispatcher of
    /// this process.
    pub fn router(&self, outbox: Arc<dyn Outbox>) -> Router {
        self.routes(outbox, None)
    }

    /// The console's routes over `dispatcher`'s outbox, waking `dispatcher`
    /// after each action so that what it requeues goes out at once.
    pub fn dispatcher_router(&self, dispatcher: &Dispatcher) -> Router {
        self.routes(Arc::clone(dispatcher.outbox()), Some(dispatcher.clone()))
    }

    fn routes(&self, outbox: Arc<dyn Outbox>, dispatcher: Option<Dispatcher>) -> Router {
        let pages = Arc::new(Pages { console: self.clone(), outbox, dispatcher });
        Router::new()
            .route(CONSOLE, get(pages::overview::show))
            .route(&format!("{CONSOLE}/login"), get(pages::login::form).post(actions::login::log_in))
            .route(&format!("{CONSOLE}/logout"), post(actions::login::log_out))
            .route(&format!("{CONSOLE}/accounts/{{account}}"), get(pages::account::show))
            .route(&format!("{CONSOLE}/dead"), get(pages::dead_letters::show))
            .route(&format!("{CONSOLE}/audit"), get(pages::audit::show))
            .route(&format!("{CONSOLE}/retry"), post(actions::dead_letters::retry))
            .route(&format!("{CONSOLE}/drop"), post(actions::dead_letters::drop))
            .route(&format!("{CONSOLE}/pause"), post(actions::pauses::pause))
            .route(&format!("{CONSOLE}/resume"), post(actions::pauses::resume))
            .route(&format!("{CONSOLE}/{{*rest}}"), any(pages::not_found))
            .with_state(pages)
    }

    /// `budget`, telling the console of every request it lets through and
    /// every 429 answer HubSpot gives them, so that the pages show each
    /// account's requests and 429s of the last hour, and how full its
    /// window is now ([`RateBudget::usage`]; a shared budget's, for every
    /// replica): give it to the app
    /// ([`AppBuilder::rate_budget`](timeline_core::AppBuilder::rate_budget))
    /// whose dispatcher and relay the console shows.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use timeline_core::{LocalRateBudget, RateLimit};
    /// let console = timeline_relay::Console::builder("a-long-random-admin-token").build()?;
    /// let budget = console.observe_budget(Arc::new(LocalRateBudget::new(RateLimit::hubspot()).unwrap()));
    /// # let _ = budget;
    /// # Ok::<(), timeline_relay::Error>(())
    /// ```
    pub fn observe_budget(&self, budget: Arc<dyn RateBudget>) -> Arc<dyn RateBudget> {
        self.state.budget.set(Arc::clone(&budget));
        Arc::new(budget::ObservedBudget { inner: budget, activity: self.state.activity.clone() })
    }

    /// Whether `headers`' bearer token is one of the console's (either
    /// role): for routes outside the console that take its tokens (`/metrics`).
    #[cfg(feature = "metrics")]
    pub(crate) fn accepts_bearer(&self, headers: &HeaderMap) -> bool {
        crate::callers::bearer(headers).and_then(|token| self.state.tokens.role_of(token)).is_some()
    }

    /// Who makes a request.
    fn operator(&self, headers: &HeaderMap) -> Result<Operator, Refusal> {
        access::operator(&self.state.tokens, &self.state.sessions, headers)
    }

    /// Who makes a request that changes something, once they may: an
    /// admin, with the session's CSRF token in the form (`form_csrf`) when
    /// logged in through the page.
    fn actor(&self, headers: &HeaderMap, form_csrf: Option<&str>) -> Result<Operator, Refusal> {
        let operator = self.operator(headers)?;
        operator.may_act(form_csrf)?;
        Ok(operator)
    }
}

impl ConsoleBuilder {
    /// A second token, that logs in to see the pages but cannot act.
    pub fn read_only_token(mut self, token: impl Into<String>) -> Self {
        self.read_only = Some(Secret::new(token.into()));
        self
    }

    /// Whether the session cookie is `Secure` (sent over HTTPS only): on by
    /// default; turn it off only for a console served on loopback over HTTP.
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// How long a login lasts ([`DEFAULT_SESSION_LIFETIME`] unless given).
    pub fn session_lifetime(mut self, lifetime: Duration) -> Self {
        self.session_lifetime = lifetime;
        self
    }

    /// The console; an error for an empty token, or a read-only token equal
    /// to the admin token.
    pub fn build(self) -> Result<Console, Error> {
        if self.admin.is_empty() || self.read_only.as_ref().is_some_and(Secret::is_empty) {
            return Err(Error::Console("a console token is empty".to_owned()));
        }
        if self.read_only.as_ref().is_some_and(|read_only| read_only.same_as(&self.admin)) {
            return Err(Error::Console("the read-only token is the admin token".to_owned()));
        }
        let state = ConsoleState {
            tokens: Tokens { admin: self.admin, read_only: self.read_only },
            sessions: Sessions::new(self.session_lifetime),
            audit: Audit::default(),
            activity: Activity::default(),
            budget: budget::Observed::default(),
            secure_cookies: self.secure_cookies,
        };
        Ok(Console { state: Arc::new(state) })
    }
}

/// Counts each outcome in the chart of its minute and account.
impl Sink for Console {
    fn outcome(&self, outcome: &DispatchOutcome) {
        self.state.activity.record(outcome, SystemTime::now());
    }
}

/// What the console's routes share: the console, the outbox it shows, and
/// the dispatcher to wake after an action, if in this process.
struct Pages {
    console: Console,
    outbox: Arc<dyn Outbox>,
    dispatcher: Option<Dispatcher>,
}

impl Pages {
    /// Tells the dispatcher, if any, that rows changed.
    fn changed(&self) {
        if let Some(dispatcher) = &self.dispatcher {
            dispatcher.wake();
        }
    }
}

/// The routes of a relay without a console: `/admin` and every path under
/// it answer 404 (they are not forwarded to HubSpot either).
pub(crate) fn off() -> Router {
    Router::new().route(CONSOLE, any(off_answer)).route(&format!("{CONSOLE}/{{*rest}}"), any(off_answer))
}

/// The 404 of a relay without a console.
async fn off_answer() -> Response {
    (StatusCode::NOT_FOUND, "Not found: the console is off (set TIMELINE_ADMIN_TOKEN to turn it on).").into_response()
}
