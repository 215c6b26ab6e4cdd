//! The HTTP client: [`Client`], its [`ClientBuilder`], and the calls that
//! send events ([`Client::send`], [`Client::send_batch`], [`SendAll`]) and
//! manage templates ([`Client::templates`]); and [`App`], one app installed
//! in many accounts, with its [`TokenStore`] and [`RateBudget`].

mod app;
mod app_event_types;
mod auth;
mod batch;
mod budget;
mod builder;
mod config;
mod deliver;
mod exchange;
mod fan_out;
mod input;
mod mapping;
mod pacing;
mod rate_limit_headers;
mod report;
mod retry;
mod secret;
mod send_all;
mod tagged;
mod templates;
mod token_calls;
mod token_store;
mod transport;
mod validation;

use crate::AccountId;
use std::fmt;
use std::sync::Arc;

use reqwest::Url;

pub use app::{App, AppBuilder, DEFAULT_APP_MAX_IN_FLIGHT, Installed};
pub use budget::BudgetError;
pub use budget::{BoxFuture, LocalRateBudget, RateBudget, RatePermit, WindowUsage};
pub use builder::{ClientBuilder, DEFAULT_BASE_URL};
pub use config::{AppEventsApi, DEFAULT_APP_EVENT_BATCH_SIZE, OAuthApi, RetryPolicy, Timeouts};
pub use input::{AnyEvent, EventInput, Resent};
pub use rate_limit_headers::RateLimitHeaders;
pub use report::{Created, DEFAULT_MAX_FAILURE_ENTRIES, Failure, FailureReason, Outcome, SendError, SendReport};
pub use send_all::{SendAll, SendAllBuilder, SendAllStream};
pub use tagged::{DeliverBuilder, Delivery, PreparedInput};
pub use templates::Templates;
pub use token_calls::{TokenDetails, TokenUse};
pub use token_store::{AccountTokens, MemoryTokenStore, NoRenewalLock, RenewalLock, StoreError, TokenStore};
pub use validation::TemplateViolation;

use crate::error::Error;
use auth::Auth;
use secret::Secret;

/// A HubSpot timeline client: one connection pool, one rate limiter and one
/// set of credentials, shared by every clone. An [`App`] hands out one per
/// account ([`App::account`]), sharing the app's pool, token store and budget.
///
/// ```no_run
/// # async fn run(events: Vec<timeline_core::EncodedInput>) -> Result<(), Box<dyn std::error::Error>> {
/// use timeline_core::{Client, SendAll};
///
/// let client = Client::builder().access_token("pat-na1-…").build()?;
/// let report = events.send_all(&client).await?;
/// for failure in report.failed() {
///     eprintln!("event {} failed: {}", failure.index, failure.reason);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// What a client's clones share.
pub(crate) struct Inner {
    /// What every client of one builder (or of one app) shares.
    shared: Arc<Shared>,
    auth: Option<Auth>,
    /// The rate budget the requests are paced by.
    budget: Arc<dyn RateBudget>,
    /// The account the client sends for, when it is an app's account client.
    account: Option<AccountId>,
    /// The bound on requests in flight shared by every call (and, for an
    /// app's account clients, by every account), if one was set.
    in_flight_total: Option<Arc<tokio::sync::Semaphore>>,
}

/// What a [`ClientBuilder`] (or an [`AppBuilder`]) built once for every
/// client it hands out: the HTTP pool, the endpoints, the sizes and
/// policies, the known templates.
pub(crate) struct Shared {
    http: reqwest::Client,
    base_url: Url,
    developer_key: Option<Secret>,
    config: Config,
    known_templates: Arc<validation::KnownTemplates>,
    /// The v3 templates whose events are sent as app events, by template id.
    migrations: Arc<Migrations>,
}

/// The v3 templates whose events go as app events, by template id.
pub(crate) type Migrations = std::collections::HashMap<String, crate::Migration>;

/// The sizes and policies a client was built with.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    batch_size: usize,
    app_event_batch_size: usize,
    app_events_api: AppEventsApi,
    max_request_bytes: usize,
    max_response_bytes: usize,
    max_in_flight: usize,
    retry: RetryPolicy,
    timeouts: Timeouts,
    user_agent: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.shared.base_url.as_str())
            .field("auth", &inner.auth)
            .field("developer_key", &inner.shared.developer_key)
            .field("config", &inner.shared.config)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner").field("base_url", &self.shared.base_url.as_str()).finish_non_exhaustive()
    }
}

impl Inner {
    /// The URL of `segments` under the base URL, each segment escaped.
    fn url<'s>(&self, segments: impl IntoIterator<Item = &'s str>) -> Url {
        let mut url = self.shared.base_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    ///
    /// ```
    /// let client = timeline_core::Client::builder().access_token("t").build();
    /// assert!(client.is_ok());
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Sends one event (usually `&event`) and tells what became of it.
    ///
    /// An event HubSpot refuses is an [`Outcome::Failed`], not an error;
    /// errors are what stop the call (credentials refused, the deadline), and
    /// the [`SendError`]'s report still holds the event's fate.
    ///
    /// An app event goes to the single-event endpoint
    /// (`POST /integrators/timeline/2026-03/events`); a v3 event goes in a
    /// batch of one.
    pub async fn send<E: EventInput + Send>(&self, event: E) -> Result<Outcome, SendError> {
        let report = send_all::run(
            &self.inner,
            futures_util::stream::iter([(0, event)]),
            send_all::Reporting::in_result_only(),
            send_all::Requests::OneEvent,
            self.inner.shared.config.timeouts,
        )
        .await?;
        let outcome = match report.failed().first() {
            Some(failure) => Outcome::Failed(failure.clone()),
            None => match report.created().first() {
                Some(created) => Outcome::Created(created.clone()),
                None => {
                    let error = Error::ResponseUnreadable("the answer held no outcome for the event".to_owned());
                    return Err(SendError::new(error, report));
                }
            },
        };
        Ok(outcome)
    }

    /// Sends `events` in one request per kind (v3 timeline events and app
    /// events go to their own endpoints; however many they are, within the
    /// request body limit) and reports on each.
    ///
    /// A batch HubSpot rejects as a whole is split to isolate the bad
    /// inputs, which takes more requests. Use [`SendAll`] for any number of
    /// events. How the call ends is as for [`SendAllBuilder`].
    pub async fn send_batch<I>(&self, events: I) -> Result<SendReport, SendError>
    where
        I: IntoIterator,
        I::Item: EventInput + Send,
        I::IntoIter: Send,
    {
        send_all::run(
            &self.inner,
            futures_util::stream::iter(events.into_iter().enumerate()),
            send_all::Reporting::in_result_only(),
            send_all::Requests::OneBatch,
            self.inner.shared.config.timeouts,
        )
        .await
    }

    /// The template and token endpoints of the app `app_id` (HubSpot's app
    /// ids are positive int32s; the sandbox takes the same type).
    ///
    /// ```
    /// # async fn run() -> Result<(), timeline_core::Error> {
    /// let client = timeline_core::Client::builder().developer_key("dev-key").build()?;
    /// for template in client.templates(123456).list().await? {
    ///     println!("{} {}", template.id, template.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn templates(&self, app_id: i32) -> Templates<'_> {
        Templates::new(&self.inner, app_id)
    }

    /// How the events of v3 template `template_id` are sent as app events,
    /// when the client was built to ([`ClientBuilder::migrate`]).
    ///
    /// ```
    /// let client = timeline_core::Client::builder().access_token("t").build().unwrap();
    /// assert!(client.migration("1001298").is_none());
    /// ```
    pub fn migration(&self, template_id: &str) -> Option<&crate::Migration> {
        self.inner.shared.migrations.get(template_id)
    }
}
