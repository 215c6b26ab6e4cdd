//! [`ClientBuilder`]: credentials, base URL, HTTP client, sizes and policies.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use reqwest::Url;

use super::auth::{Auth, OAuthProvider, TokenEndpoint};
use super::batch::LEAST_BODY_BYTES;
use super::budget::LocalRateBudget;
use super::config::{AppEventsApi, DEFAULT_APP_EVENT_BATCH_SIZE, OAuthApi, RetryPolicy, Timeouts};
use super::secret::Secret;
use super::validation::{KnownTemplates, TemplateSource};
use super::{Client, Config, Inner, Shared};
use crate::error::Error;
use crate::migration::Migration;
use crate::rate_limit::RateLimit;
use crate::wire::TimelineEventTemplate;
use timeline_template::Definition;

/// HubSpot's API.
///
/// ```
/// assert_eq!(timeline_core::DEFAULT_BASE_URL, "https://api.hubapi.com");
/// ```
pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use timeline_core::{Client, RateLimit, RetryPolicy};
///
/// let client = Client::builder()
///     .access_token("pat-na1-secret")
///     .batch_size(50)
///     .max_in_flight(2)
///     .rate_limit(RateLimit::new(100, Duration::from_secs(10)))
///     .retry(RetryPolicy::default().with_max_attempts(3))
///     .build()
///     .unwrap();
/// assert!(!format!("{client:?}").contains("pat-na1-secret"));
///
/// let refused = Client::builder().access_token("t").base_url("http://example.com").build();
/// assert!(refused.is_err());
/// ```
pub struct ClientBuilder {
    access_token: Option<Secret>,
    oauth: Option<(String, Secret, Secret)>,
    developer_key: Option<Secret>,
    base_url: String,
    token_url: Option<String>,
    oauth_api: OAuthApi,
    http: Option<reqwest::Client>,
    timeouts: Timeouts,
    user_agent: String,
    batch_size: usize,
    app_event_batch_size: usize,
    app_events_api: AppEventsApi,
    max_request_bytes: usize,
    max_response_bytes: usize,
    max_in_flight: usize,
    max_in_flight_total: Option<usize>,
    rate_limit: Option<RateLimit>,
    retry: RetryPolicy,
    templates: Vec<TemplateSource>,
    /// The v3 templates to send as app events: each template id with its app-event definition.
    migrations: Vec<(String, Definition)>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            access_token: None,
            oauth: None,
            developer_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            token_url: None,
            oauth_api: OAuthApi::default(),
            http: None,
            timeouts: Timeouts::default(),
            user_agent: concat!("hubspot-timeline/", env!("CARGO_PKG_VERSION")).to_owned(),
            batch_size: 100,
            app_event_batch_size: DEFAULT_APP_EVENT_BATCH_SIZE,
            app_events_api: AppEventsApi::default(),
            max_request_bytes: 4 << 20,
            max_response_bytes: 16 << 20,
            max_in_flight: 4,
            max_in_flight_total: None,
            rate_limit: None,
            retry: RetryPolicy::default(),
            templates: Vec::new(),
            migrations: Vec::new(),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("access_token", &self.access_token)
            .field("oauth_client_id", &self.oauth.as_ref().map(|(id, _, _)| id))
            .field("developer_key", &self.developer_key)
            .field("base_url", &self.base_url)
            .field("oauth_api", &self.oauth_api)
            .field("batch_size", &self.batch_size)
            .field("app_event_batch_size", &self.app_event_batch_size)
            .field("app_events_api", &self.app_events_api)
            .field("max_in_flight", &self.max_in_flight)
            .field("max_in_flight_total", &self.max_in_flight_total)
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Authorizes requests with a fixed access token (a private app token or
    /// an OAuth access token you renew yourself).
    ///
    /// ```
    /// let client = timeline_core::Client::builder().access_token("pat-na1-secret").build().unwrap();
    /// assert!(!format!("{client:?}").contains("pat-na1-secret"));
    /// ```
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.access_token = Some(Secret::new(token));
        self
    }

    /// Authorizes requests with OAuth: the client gets access tokens from
    /// the token endpoint with `refresh_token`, renews them before they
    /// expire (from `expires_in`) and after a 401, one renewal at a time.
    ///
    /// ```
    /// let client = timeline_core::Client::builder().oauth("client-id", "client-secret", "refresh-token").build();
    /// assert!(client.is_ok());
    /// ```
    pub fn oauth(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        self.oauth = Some((client_id.into(), Secret::new(client_secret), Secret::new(refresh_token)));
        self
    }

    /// The developer API key, sent as the `hapikey` query parameter by the
    /// template calls; without one they use the access token.
    ///
    /// ```
    /// assert!(timeline_core::Client::builder().developer_key("dev-key").build().is_ok());
    /// ```
    pub fn developer_key(mut self, key: impl Into<String>) -> Self {
        self.developer_key = Some(Secret::new(key));
        self
    }

    /// The API's base URL (default `https://api.hubapi.com`). It must be
    /// HTTPS unless its host is a loopback address or `localhost`.
    ///
    /// ```
    /// let builder = || timeline_core::Client::builder().access_token("t");
    /// assert!(builder().base_url("http://127.0.0.1:8080").build().is_ok());
    /// assert!(builder().base_url("http://example.com").build().is_err());
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The OAuth token endpoint (default: the [`oauth_api`](Self::oauth_api)'s
    /// under the base URL, `/oauth/2026-03/token`). With
    /// [`OAuthApi::V2026_03`], introspection and revocation are its
    /// `/introspect` and `/revoke`; with [`OAuthApi::V1`], they stay under
    /// the base URL.
    ///
    /// ```
    /// let client = timeline_core::Client::builder()
    ///     .oauth("client-id", "client-secret", "refresh-token")
    ///     .token_url("https://api.hubapi.com/oauth/2026-03/token")
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Which OAuth API the token calls use (default
    /// [`OAuthApi::V2026_03`]; [`OAuthApi::V1`] for apps not moved yet).
    ///
    /// ```
    /// use timeline_core::{Client, OAuthApi};
    /// let client = Client::builder().oauth("client-id", "client-secret", "refresh-token").oauth_api(OAuthApi::V1).build();
    /// assert!(client.is_ok());
    /// ```
    pub fn oauth_api(mut self, api: OAuthApi) -> Self {
        self.oauth_api = api;
        self
    }

    /// The `reqwest::Client` to send with (its own connect timeout and TLS
    /// settings then apply instead of the builder's connect timeout). The
    /// client's own never follows redirects; an answer this one reached by
    /// following a redirect is refused as no answer.
    ///
    /// ```
    /// let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    /// assert!(timeline_core::Client::builder().access_token("t").http_client(http).build().is_ok());
    /// ```
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Time limits; see [`Timeouts`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use timeline_core::{Client, Timeouts};
    /// let timeouts = Timeouts::default().with_attempt(Duration::from_secs(5));
    /// assert!(Client::builder().access_token("t").timeouts(timeouts).build().is_ok());
    /// ```
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The `User-Agent` header; [`build`](Self::build) refuses text an HTTP
    /// header cannot carry.
    ///
    /// ```
    /// let builder = || timeline_core::Client::builder().access_token("t");
    /// assert!(builder().user_agent("billing-sync/2.1").build().is_ok());
    /// assert!(builder().user_agent("two\nlines").build().is_err());
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Inputs per batch request of v3 timeline events (default 100);
    /// [`build`](Self::build) refuses 0. App events have their own,
    /// [`app_event_batch_size`](Self::app_event_batch_size).
    ///
    /// ```
    /// let builder = || timeline_core::Client::builder().access_token("t");
    /// assert!(builder().batch_size(50).build().is_ok());
    /// assert!(builder().batch_size(0).build().is_err());
    /// ```
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size;
        self
    }

    /// Inputs per app-event batch request (default
    /// [`DEFAULT_APP_EVENT_BATCH_SIZE`], 500: the maximum reported for
    /// `…/events/batch`, which HubSpot's reference does not confirm);
    /// [`build`](Self::build) refuses 0. HubSpot stores an app-event batch
    /// whole or not at all, so a smaller batch costs more requests but
    /// isolates a refused input in fewer.
    ///
    /// ```
    /// let builder = || timeline_core::Client::builder().access_token("t");
    /// assert!(builder().app_event_batch_size(100).build().is_ok());
    /// assert!(builder().app_event_batch_size(0).build().is_err());
    /// ```
    pub fn app_event_batch_size(mut self, size: usize) -> Self {
        self.app_event_batch_size = size;
        self
    }

    /// Which paths app events go to (default [`AppEventsApi::V2026_03`],
    /// the date-versioned `/integrators/timeline/2026-03/events/batch`);
    /// [`AppEventsApi::V4`] sends them to the `/v4/` paths instead.
    ///
    /// ```
    /// use timeline_core::{AppEventsApi, Client};
    /// let client = Client::builder().access_token("t").app_events_api(AppEventsApi::V4).build();
    /// assert!(client.is_ok());
    /// ```
    pub fn app_events_api(mut self, api: AppEventsApi) -> Self {
        self.app_events_api = api;
        self
    }

    /// The largest request body in bytes (default 4 MiB); an event too large
    /// to fit alone fails without being sent. [`build`](Self::build) refuses
    /// a limit too small for any body holding one input.
    ///
    /// ```
    /// let builder = || timeline_core::Client::builder().access_token("t");
    /// assert!(builder().max_request_bytes(1 << 20).build().is_ok());
    /// assert!(builder().max_request_bytes(10).build().is_err());
    /// ```
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes;
        self
    }

    /// The largest response body the client reads (default 16 MiB); a larger
    /// one is refused without being read into memory. [`build`](Self::build)
    /// refuses 0.
    ///
    /// ```
    /// assert!(timeline_core::Client::builder().access_token("t").max_response_bytes(1 << 20).build().is_ok());
    /// ```
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Batch requests one `send_all` keeps under way at once (default 4);
    /// [`build`](Self::build) refuses 0.
    ///
    /// ```
    /// let builder = || timeline_core::Client::builder().access_token("t");
    /// assert!(builder().max_in_flight(8).build().is_ok());
    /// assert!(builder().max_in_flight(0).build().is_err());
    /// ```
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests;
        self
    }

    /// Requests the client and its clones keep under way at once, across
    /// every concurrent `send`, `send_batch`, `send_all` and template call
    /// (default: no bound beyond each call's [`max_in_flight`](Self::max_in_flight)).
    /// A request waits for a place before it is paced; a retry waits for
    /// one again. [`build`](Self::build) refuses 0.
    ///
    /// ```
    /// let client = timeline_core::Client::builder().access_token("t").max_in_flight(4).max_in_flight_total(6).build();
    /// assert!(client.is_ok());
    /// ```
    pub fn max_in_flight_total(mut self, requests: usize) -> Self {
        self.max_in_flight_total = Some(requests);
        self
    }

    /// The rate limit the client paces itself to (default 110 requests per
    /// 10 s); [`build`](Self::build) refuses 0 requests and a window of zero
    /// or over a day.
    ///
    /// ```
    /// use std::time::Duration;
    /// use timeline_core::{Client, RateLimit};
    /// let builder = || Client::builder().access_token("t");
    /// assert!(builder().rate_limit(RateLimit::new(50, Duration::from_secs(10))).build().is_ok());
    /// assert!(builder().rate_limit(RateLimit::new(0, Duration::from_secs(10))).build().is_err());
    /// ```
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// The retry policy; see [`RetryPolicy`].
    ///
    /// ```
    /// use timeline_core::{Client, RetryPolicy};
    /// assert!(Client::builder().access_token("t").retry(RetryPolicy::never()).build().is_ok());
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A template to check events against before sending them (see
    /// [`templates_from_dir`](Self::templates_from_dir)). An app-event
    /// definition checks the app events whose event type name is the
    /// template's `id` (its `uid`, from [`TemplateFile::AppEvent`](crate::TemplateFile::AppEvent)):
    /// their properties as tokens.
    ///
    /// ```
    /// let template: timeline_core::wire::TimelineEventTemplate =
    ///     serde_json::from_str(r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts"}"#).unwrap();
    /// assert!(timeline_core::Client::builder().access_token("t").template(template).build().is_ok());
    /// ```
    pub fn template(mut self, template: TimelineEventTemplate) -> Self {
        self.templates.push(TemplateSource::Template(template));
        self
    }

    /// Checks events against the template definition files in `dir`
    /// (every `*.json` file: HubSpot's get-template JSON, as
    /// `#[timeline(template = "…")]` reads it), read by [`build`](Self::build).
    ///
    /// An event whose template is known is checked before it is sent:
    /// unknown tokens, number, date and enumeration values, a missing
    /// target and `email`/`utk` on templates of other objects make it fail
    /// in the report with [`FailureReason::TemplateMismatch`](super::FailureReason::TemplateMismatch),
    /// unsent, while the rest of the batch goes on. Events of other
    /// templates are sent unchecked. App-event definitions (`*-hsmeta.json`)
    /// carry no template id: read them with [`TemplateFile`](crate::TemplateFile)
    /// and pass them to [`template`](Self::template).
    ///
    /// ```
    /// # fn run() -> Result<(), timeline_core::Error> {
    /// let dir = std::env::temp_dir().join("timeline-doc-templates");
    /// std::fs::create_dir_all(&dir).unwrap();
    /// std::fs::write(dir.join("pet-adopted.json"), r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts"}"#).unwrap();
    /// let client = timeline_core::Client::builder().access_token("t").templates_from_dir(&dir).build()?;
    /// # let _ = client; Ok(()) }
    /// # run().unwrap();
    /// ```
    pub fn templates_from_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.templates.push(TemplateSource::Dir(dir.into()));
        self
    }

    /// Sends the events of v3 template `template_id` as occurrences of the
    /// app-event type `definition` (the `*-hsmeta.json` file `timeline
    /// migrate` wrote from the template; see [`Migration`]). Every call of
    /// the client (and, on an [`AppBuilder`](super::AppBuilder), of every
    /// account client, so the dispatcher's deliveries too) sends them to the
    /// app-events API, while its report speaks of the v3 events: their
    /// positions, ids and template id. An event the app-event type cannot
    /// take fails alone with [`FailureReason::NotMigrated`](super::FailureReason::NotMigrated),
    /// unsent. [`build`](Self::build) refuses a definition that is not an
    /// app event's, or a template given twice.
    ///
    /// ```
    /// let definition = timeline_template::definition::parse(
    ///     r#"{"uid": "pet_adopted", "type": "app-event", "config": {"name": "Pet adopted",
    ///         "objectType": "CONTACT", "properties": [{"name": "petName", "type": "string"}]}}"#,
    /// )
    /// .unwrap();
    /// let client = timeline_core::Client::builder().access_token("t").migrate("1001298", definition).build().unwrap();
    /// assert_eq!(client.migration("1001298").unwrap().event_type_name(), "pet_adopted");
    /// ```
    pub fn migrate(mut self, template_id: impl Into<String>, definition: Definition) -> Self {
        self.migrations.push((template_id.into(), definition));
        self
    }

    /// Adds `migrations` to those of [`migrate`](Self::migrate).
    pub(crate) fn with_migrations(mut self, migrations: Vec<(String, Definition)>) -> Self {
        self.migrations.extend(migrations);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// Settings are kept as given, never adjusted: one that cannot work is
    /// an [`Error::Config`] naming it.
    ///
    /// ```
    /// use timeline_core::{Client, Error, RetryPolicy};
    /// let refused = Client::builder().access_token("t").retry(RetryPolicy::default().with_max_attempts(0)).build();
    /// assert!(matches!(refused, Err(Error::Config { message, .. }) if message.contains("max_attempts")));
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        let (access_token, oauth) = (self.access_token.clone(), self.oauth.clone());
        let parts = self.into_parts()?;
        let auth = match (access_token, oauth) {
            (Some(_), Some(_)) => {
                return Err(Error::config("give either an access token or OAuth credentials, not both"));
            }
            (Some(token), None) => Some(Auth::Static(token)),
            (None, Some((client_id, client_secret, refresh_token))) => {
                let endpoint = parts.token_endpoint();
                Some(Auth::RefreshToken(Box::new(OAuthProvider::new(
                    client_id,
                    client_secret,
                    refresh_token,
                    endpoint,
                ))))
            }
            (None, None) if parts.shared.developer_key.is_some() => None,
            (None, None) => {
                return Err(Error::config(
                    "no credentials: give an access token, OAuth credentials or a developer key",
                ));
            }
        };
        let inner = Inner {
            shared: Arc::new(parts.shared),
            auth,
            budget: Arc::new(LocalRateBudget::unchecked(parts.rate_limit.unwrap_or_default())),
            account: None,
            in_flight_total: parts.max_in_flight_total.map(|bound| Arc::new(tokio::sync::Semaphore::new(bound))),
        };
        Ok(Client { inner: Arc::new(inner) })
    }

    /// Whether an access token or OAuth credentials were given.
    pub(crate) fn has_credentials(&self) -> bool {
        self.access_token.is_some() || self.oauth.is_some()
    }

    /// Checks every setting but the credentials, and builds what a client
    /// (or an [`App`](super::App)'s account clients) shares.
    pub(crate) fn into_parts(self) -> Result<Parts, Error> {
        let base_url = parse_url("base URL", &self.base_url)?;
        self.check_sizes()?;
        if let Some(limit) = &self.rate_limit {
            limit.check()?;
        }
        self.retry.check()?;
        self.timeouts.check()?;
        if let Err(error) = reqwest::header::HeaderValue::from_str(&self.user_agent) {
            let message = format!(
                "the user_agent `{}` holds characters an HTTP header cannot carry",
                self.user_agent.escape_debug()
            );
            return Err(Error::config_from(message, error));
        }
        let known_templates = Arc::new(KnownTemplates::load(self.templates)?);
        let mut migrations = super::Migrations::new();
        for (template_id, definition) in self.migrations {
            let migration = Migration::new(template_id, definition).map_err(Error::config)?;
            let template_id = migration.template_id().to_owned();
            if migrations.insert(template_id.clone(), migration).is_some() {
                return Err(Error::config(format!("template {template_id} is migrated twice; give it once")));
            }
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.timeouts.connect())
                .build()
                .map_err(|error| Error::config_from(format!("the HTTP client could not be built: {error}"), error))?,
        };
        let token_url = match &self.token_url {
            Some(url) => parse_url("token URL", url)?,
            None => {
                let mut url = base_url.clone();
                if let Ok(mut path) = url.path_segments_mut() {
                    path.pop_if_empty().extend(["oauth", self.oauth_api.version(), "token"]);
                }
                url
            }
        };
        let config = Config {
            batch_size: self.batch_size,
            app_event_batch_size: self.app_event_batch_size,
            app_events_api: self.app_events_api,
            max_request_bytes: self.max_request_bytes,
            max_response_bytes: self.max_response_bytes,
            max_in_flight: self.max_in_flight,
            retry: self.retry,
            timeouts: self.timeouts,
            user_agent: self.user_agent,
        };
        Ok(Parts {
            shared: Shared {
                http,
                base_url,
                developer_key: self.developer_key,
                config,
                known_templates,
                migrations: Arc::new(migrations),
            },
            token_url,
            oauth_api: self.oauth_api,
            rate_limit: self.rate_limit,
            max_in_flight_total: self.max_in_flight_total,
        })
    }
}

/// What [`ClientBuilder::into_parts`] checked and built.
pub(crate) struct Parts {
    /// What every client built from these settings shares.
    pub(crate) shared: Shared,
    /// The OAuth token endpoint.
    pub(crate) token_url: Url,
    /// The OAuth API the token calls use.
    pub(crate) oauth_api: OAuthApi,
    /// The rate limit the client paces itself to.
    pub(crate) rate_limit: Option<RateLimit>,
    /// The bound on requests in flight across calls, if set.
    pub(crate) max_in_flight_total: Option<usize>,
}

impl Parts {
    /// How the token endpoint is called.
    pub(crate) fn token_endpoint(&self) -> TokenEndpoint {
        TokenEndpoint {
            api: self.oauth_api,
            url: self.token_url.clone(),
            base_url: self.shared.base_url.clone(),
            http: self.shared.http.clone(),
            retry: self.shared.config.retry.clone(),
            attempt_timeout: self.shared.config.timeouts.attempt(),
            max_response_bytes: self.shared.config.max_response_bytes,
        }
    }
}

impl ClientBuilder {
    /// Refuses sizes with which nothing could be sent or read.
    fn check_sizes(&self) -> Result<(), Error> {
        let at_least_one = [
            ("batch_size", self.batch_size),
            ("app_event_batch_size", self.app_event_batch_size),
            ("max_in_flight", self.max_in_flight),
            ("max_response_bytes", self.max_response_bytes),
        ];
        if let Some((name, _)) = at_least_one.into_iter().find(|(_, value)| *value == 0) {
            return Err(Error::config(format!("{name} is 0, with which nothing can be sent; give at least 1")));
        }
        match self.max_in_flight_total {
            Some(0) => {
                return Err(Error::config("max_in_flight_total is 0, with which nothing can be sent; give at least 1"));
            }
            Some(requests) if requests > tokio::sync::Semaphore::MAX_PERMITS => {
                return Err(Error::config(format!(
                    "max_in_flight_total is {requests}, more than the {} it can count; give fewer",
                    tokio::sync::Semaphore::MAX_PERMITS
                )));
            }
            _ => {}
        }
        if self.max_request_bytes < LEAST_BODY_BYTES {
            return Err(Error::config(format!(
                "max_request_bytes is {}, fewer than any request holding one event takes ({LEAST_BODY_BYTES}); give more",
                self.max_request_bytes
            )));
        }
        Ok(())
    }
}

/// Parses `text` and refuses plain HTTP except on loopback.
fn parse_url(what: &str, text: &str) -> Result<Url, Error> {
    let url = Url::parse(text)
        .map_err(|error| Error::config_from(format!("the {what} `{text}` is not a URL: {error}"), error))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::config(format!(
            "the {what} `{text}` is plain HTTP; HTTPS is required except for loopback hosts"
        ))),
        other => Err(Error::config(format!("the {what} `{text}` has scheme `{other}`; use https"))),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(url: &str) -> Result<Client, Error> {
        Client::builder().access_token("t").base_url(url).build()
    }

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(build("https://api.hubapi.com").is_ok());
        assert!(build("http://127.0.0.1:8080").is_ok());
        assert!(build("http://[::1]:8080").is_ok());
        assert!(build("http://localhost:8080").is_ok());
        assert!(matches!(build("http://api.hubapi.com"), Err(Error::Config { .. })));
        assert!(matches!(build("http://10.0.0.1"), Err(Error::Config { .. })));
        assert!(matches!(build("ftp://127.0.0.1"), Err(Error::Config { .. })));
        assert!(matches!(build("not a url"), Err(Error::Config { .. })));
    }

    #[test]
    fn the_token_url_is_https_unless_on_loopback() {
        let oauth = |url: &str| {
            Client::builder().oauth("id", "secret", "refresh").base_url("https://api.hubapi.com").token_url(url).build()
        };
        assert!(oauth("https://api.hubapi.com/oauth/v1/token").is_ok());
        assert!(oauth("http://127.0.0.1:9/oauth/v1/token").is_ok());
        assert!(
            matches!(oauth("http://api.hubapi.com/oauth/v1/token"), Err(Error::Config { message, .. }) if message.contains("token URL"))
        );
    }

    #[test]
    fn a_rate_limit_window_that_cannot_pace_is_refused() {
        let limited = |window| Client::builder().access_token("t").rate_limit(RateLimit::new(10, window)).build();
        assert!(matches!(limited(std::time::Duration::ZERO), Err(Error::Config { .. })));
        assert!(matches!(limited(std::time::Duration::MAX), Err(Error::Config { .. })));
        assert!(limited(std::time::Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn settings_that_cannot_work_are_refused_by_name() {
        let builder = || Client::builder().access_token("t");
        let refusals = [
            (builder().batch_size(0).build(), "batch_size"),
            (builder().max_in_flight(0).build(), "max_in_flight"),
            (builder().max_in_flight_total(0).build(), "max_in_flight_total"),
            (builder().max_in_flight_total(usize::MAX).build(), "max_in_flight_total"),
            (builder().max_response_bytes(0).build(), "max_response_bytes"),
            (builder().max_request_bytes(LEAST_BODY_BYTES - 1).build(), "max_request_bytes"),
            (builder().rate_limit(RateLimit::new(0, std::time::Duration::from_secs(10))).build(), "max_requests"),
            (builder().retry(RetryPolicy::default().with_max_attempts(0)).build(), "max_attempts"),
            (builder().timeouts(Timeouts::default().with_attempt(std::time::Duration::ZERO)).build(), "attempt"),
            (builder().user_agent("line\nbreak").build(), "user_agent"),
        ];
        for (result, name) in refusals {
            assert!(
                matches!(&result, Err(Error::Config { message, .. }) if message.contains(name)),
                "{name}: {result:?}"
            );
        }
        assert!(builder().max_request_bytes(LEAST_BODY_BYTES).batch_size(1).max_in_flight(1).build().is_ok());
    }

    #[test]
    fn credentials_are_checked() {
        assert!(matches!(Client::builder().build(), Err(Error::Config { .. })));
        let both = Client::builder().access_token("t").oauth("id", "secret", "refresh").build();
        assert!(matches!(both, Err(Error::Config { .. })));
        assert!(Client::builder().developer_key("key").build().is_ok());
    }
}
