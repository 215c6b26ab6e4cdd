//! Configuring and starting a [`Sandbox`].

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;
use timeline_core::AccountId;

use timeline_core::wire::TimelineEventTemplate;
use timeline_template::definition::read_dir;
use timeline_template::{Definition, Origin};

use crate::Sandbox;
use crate::accounts::Accounts;
use crate::config::Config;
use crate::duplicates::DuplicateIds;
use crate::faults::Faults;
use crate::server;
use crate::templates::TemplateStore;
use timeline_core::RateLimit;

/// The default maximum of inputs in one batch-create body.
pub const DEFAULT_MAX_BATCH_INPUTS: usize = 500;
/// The default maximum of occurrences in one app-event batch (HubSpot's
/// reported limit, unconfirmed).
pub const DEFAULT_MAX_APP_EVENT_BATCH_INPUTS: usize = 500;
/// The default maximum size of a request body, in bytes (10 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// The default lifetime of access tokens issued by the OAuth endpoint (HubSpot's 30 minutes).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(30 * 60);

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A template given to the builder is not valid.
    #[error("invalid event template: {0}")]
    Template(String),
    /// An app-event definition given to the builder, or read from a directory, is not valid.
    #[error("invalid app-event definition: {0}")]
    AppEvent(String),
}

/// Configures a [`Sandbox`]; made by [`Sandbox::builder`].
///
/// ```no_run
/// # async fn run() -> Result<(), timeline_sandbox::StartError> {
/// use std::time::Duration;
/// use timeline_sandbox::{Fault, Faults, RateLimit, Sandbox};
/// use timeline_sandbox::wire::TimelineEventTemplate;
///
/// let template: TimelineEventTemplate = serde_json::from_str(
///     r#"{"id":"1001298","name":"Pet adopted","objectType":"contacts",
///         "tokens":[{"name":"petName","label":"Pet name","type":"string"}]}"#,
/// ).unwrap();
/// let sandbox = Sandbox::builder()
///     .template(template)
///     .access_tokens(["test-token"])
///     .rate_limit(RateLimit::new(10, Duration::from_secs(1)))
///     .faults(Faults::seeded(7).share(0.1, Fault::Status(503)))
///     .start()
///     .await?;
/// println!("HubSpot stand-in at {}", sandbox.url());
/// sandbox.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start` is awaited"]
pub struct SandboxBuilder {
    templates: Vec<TimelineEventTemplate>,
    template_dirs: Vec<PathBuf>,
    app_events: Vec<Definition>,
    app_event_dirs: Vec<PathBuf>,
    addr: SocketAddr,
    config: Config,
    accounts: Accounts,
    faults: Faults,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            templates: Vec::new(),
            template_dirs: Vec::new(),
            app_events: Vec::new(),
            app_event_dirs: Vec::new(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            config: Config {
                app_id: None,
                rate_limit: Some(RateLimit::default()),
                daily_limit: None,
                max_batch_inputs: DEFAULT_MAX_BATCH_INPUTS,
                max_app_event_batch_inputs: DEFAULT_MAX_APP_EVENT_BATCH_INPUTS,
                app_event_conflicts_name_ids: true,
                app_event_project: None,
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
                reject_invalid_batches: false,
                duplicate_ids: DuplicateIds::default(),
                latency: Duration::ZERO,
                oauth_client: None,
                access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            },
            accounts: Accounts::default(),
            faults: Faults::none(),
        }
    }
}

impl SandboxBuilder {
    /// Adds an event template (it needs an `id`); events may name it.
    pub fn template(mut self, template: TimelineEventTemplate) -> Self {
        self.templates.push(template);
        self
    }

    /// Adds several event templates.
    pub fn templates(mut self, templates: impl IntoIterator<Item = TimelineEventTemplate>) -> Self {
        self.templates.extend(templates);
        self
    }

    /// Adds every `*.json` file of `dir` as a template (the JSON the
    /// get-template endpoint returns), read when the sandbox starts.
    pub fn templates_from_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.template_dirs.push(dir.into());
        self
    }

    /// Adds an app-event type from a parsed `*-hsmeta.json` definition
    /// (one with a `uid` and no template id); occurrences name it by its
    /// `uid` or by its fully-qualified name `app{APP_ID}-{uid}` (`APP_ID`
    /// is [`app_id`](Self::app_id), 1 when it is not set). Its
    /// `objectType` says what its occurrences go on, or
    /// `config.supportsCustomObject` makes it a type on custom objects
    /// ([`Definition::custom_object`]). Checked when the sandbox starts.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let definition = timeline_template::definition::parse(
    ///     r#"{"uid": "webinar_registered", "type": "app-event",
    ///         "config": {"name": "Webinar registered", "objectType": "CONTACT",
    ///                    "properties": [{"name": "webinarName", "label": "Name", "type": "string"}]}}"#,
    /// )?;
    /// let sandbox = timeline_sandbox::Sandbox::builder().app_event_type(definition).start().await?;
    /// # sandbox.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn app_event_type(mut self, definition: Definition) -> Self {
        self.app_events.push(definition);
        self
    }

    /// Adds every `*-hsmeta.json` file of `dir` as an app-event type (see
    /// [`app_event_type`](Self::app_event_type)), read when the sandbox
    /// starts. A file with `config.supportsCustomObject: true` makes a type
    /// on custom objects, whose occurrences need `objectId` and
    /// `objectTypeFullyQualifiedName`; it may leave `config.objectType` out.
    pub fn app_events_from_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.app_event_dirs.push(dir.into());
        self
    }

    /// The most occurrences one app-event batch may hold (default 500);
    /// larger batches get 400 and nothing of them is stored.
    pub fn max_app_event_batch_inputs(mut self, max: usize) -> Self {
        self.config.max_app_event_batch_inputs = max;
        self
    }

    /// Whether the 409 of an app-event request whose occurrences exist names
    /// their ids (in its message, `context.ids` and one detail per input).
    /// On by default; off, the 409 says only that some occurrence exists,
    /// so that a client's splitting to find them can be tested.
    pub fn app_event_conflicts_name_ids(mut self, name_ids: bool) -> Self {
        self.config.app_event_conflicts_name_ids = name_ids;
        self
    }

    /// The only developer-platform project name `types/projects` resolves;
    /// by default every project name resolves to the app's types.
    pub fn app_event_project(mut self, project_name: impl Into<String>) -> Self {
        self.config.app_event_project = Some(project_name.into());
        self
    }

    /// The app whose templates these are: template and token routes then answer
    /// 404 for any other app id. By default every app id names the same
    /// template set. An app id that is not an `int32`, as HubSpot's schema
    /// declares it, gets 400 either way. The access-token metadata
    /// (`GET /oauth/v1/access-tokens/{token}`) and 2026-03 introspection
    /// report it as `app_id`, or 1 when it is not set.
    pub fn app_id(mut self, app_id: i32) -> Self {
        self.config.app_id = Some(app_id);
        self
    }

    /// Accepts only these bearer tokens (and those of registered accounts and
    /// those the OAuth endpoint issues). They belong to
    /// [`DEFAULT_ACCOUNT`](crate::DEFAULT_ACCOUNT), each with its own rate-limit
    /// window, as before accounts existed; listing them registers no
    /// account. By default any non-empty bearer token is accepted.
    pub fn access_tokens<T: Into<String>>(mut self, tokens: impl IntoIterator<Item = T>) -> Self {
        self.accounts.list_tokens(tokens.into_iter().map(Into::into).collect());
        self
    }

    /// Registers the account `account` (a HubSpot hub id) and an access token
    /// of it, which never expires; repeatable, also for several tokens of
    /// one account.
    ///
    /// Once any account is registered (here, with [`account`](Self::account),
    /// or by [`Sandbox::authorization_code`] or [`Sandbox::grant`]), bearer
    /// tokens that belong to no account get 401 `INVALID_AUTHENTICATION`
    /// (except those of [`access_tokens`](Self::access_tokens)), and only
    /// codes and refresh tokens the sandbox issued are good at the token
    /// endpoint. Without any registration any non-empty token is accepted
    /// and everything belongs to [`DEFAULT_ACCOUNT`](crate::DEFAULT_ACCOUNT).
    ///
    /// All tokens of an account share its rate-limit window and daily
    /// count; its events and counts are kept apart
    /// ([`Sandbox::events_in`], [`Sandbox::account_stats`]).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), timeline_sandbox::StartError> {
    /// use timeline_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::builder().account_token(101, "tok-a").account_token(102, "tok-b").start().await?;
    /// // ... send with `tok-a`, then:
    /// assert!(sandbox.events_in(102).is_empty());
    /// # Ok(()) }
    /// ```
    pub fn account_token(mut self, account: impl Into<AccountId>, token: impl Into<String>) -> Self {
        self.accounts.add_token(account.into().get(), token.into());
        self
    }

    /// Registers the account `account` with no token of its own: its tokens
    /// come from [`Sandbox::authorization_code`] and the token endpoint, or
    /// from [`Sandbox::grant`]. See [`account_token`](Self::account_token).
    pub fn account(mut self, account: impl Into<AccountId>) -> Self {
        self.accounts.register(account.into().get());
        self
    }

    /// The rolling request limit per account (default: 110 per 10 s); a
    /// token accepted without registration, and a developer key, count on
    /// their own.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.config.rate_limit = Some(limit);
        self
    }

    /// Turns the rolling request limit off.
    pub fn no_rate_limit(mut self) -> Self {
        self.config.rate_limit = None;
        self
    }

    /// Adds a daily cap per account, counted like [`rate_limit`](Self::rate_limit)
    /// (429 with policy `DAILY` past it, `X-HubSpot-RateLimit-Daily*`
    /// headers; days are UTC days), for the tokens HubSpot applies one to:
    /// registered and listed tokens (a private app's), not those of the
    /// OAuth token endpoint, which neither count nor see it. Off by default.
    pub fn daily_limit(mut self, max_requests: u64) -> Self {
        self.config.daily_limit = Some(max_requests);
        self
    }

    /// The most inputs one batch may hold (default 500); larger batches get 400.
    pub fn max_batch_inputs(mut self, max: usize) -> Self {
        self.config.max_batch_inputs = max;
        self
    }

    /// The largest request body in bytes (default 10 MiB); larger bodies get 413.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.config.max_body_bytes = max;
        self
    }

    /// When on, a batch with any invalid input is refused whole with 400 and
    /// nothing of it is stored, as HubSpot's app-events API does. Off by
    /// default: valid inputs are stored and the rest reported in a 207.
    pub fn reject_invalid_batches(mut self, reject: bool) -> Self {
        self.config.reject_invalid_batches = reject;
        self
    }

    /// What an input whose (template, id) is already stored gets, and a
    /// repeat of an earlier input of the same batch:
    ///
    /// - [`DuplicateIds::AcceptIdentical`] (the default): a re-send identical
    ///   to the stored event (tokens, target fields, timestamp, `extraData`
    ///   and `timelineIFrame` as sent; fields the sandbox fills in such as
    ///   `createdAt` are not compared) is answered as created with the stored
    ///   event, which is not stored again; other content with that id is
    ///   refused with HubSpot's "Event ID already in use, please choose a new
    ///   unique ID".
    /// - [`DuplicateIds::Replace`]: the input replaces the stored event.
    /// - [`DuplicateIds::Reject`]: every repeated id is refused that way.
    ///
    /// A refusal is a per-input error of a 207 (category `VALIDATION_ERROR`,
    /// `context.id` the id), part of the whole-batch 400 under
    /// [`reject_invalid_batches`](Self::reject_invalid_batches), or the 400
    /// of the single-event route. Ids holding `{{uuid}}` are filled with a
    /// fresh UUID, so they never repeat.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), timeline_sandbox::StartError> {
    /// use timeline_sandbox::{DuplicateIds, Sandbox};
    ///
    /// let sandbox = Sandbox::builder().duplicate_ids(DuplicateIds::Reject).start().await?;
    /// # sandbox.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub fn duplicate_ids(mut self, duplicate_ids: DuplicateIds) -> Self {
        self.config.duplicate_ids = duplicate_ids;
        self
    }

    /// The fault plan (default: none). It can be changed after start with
    /// [`Sandbox::set_faults`].
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// A delay added before every answer of the API routes.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.config.latency = latency;
        self
    }

    /// Enables the OAuth endpoints for this client id and secret: v1's
    /// `POST /oauth/v1/token` and 2026-03's `POST /oauth/2026-03/token`,
    /// `…/token/introspect` and `…/token/revoke` (also under `/oauth/v3/`).
    ///
    /// At both token endpoints an `authorization_code` grant takes a code of
    /// [`Sandbox::authorization_code`] once and issues tokens for its
    /// account; a `refresh_token` grant issues a new access token for the
    /// refresh token's account (answering with the same refresh token).
    /// While no account is registered, any non-empty code or refresh token is
    /// good for [`DEFAULT_ACCOUNT`](crate::DEFAULT_ACCOUNT). An unknown or used
    /// code, an unknown refresh token, those of a revoked install
    /// ([`Sandbox::revoke`]) and a revoked refresh token get 400
    /// `invalid_grant`. Refusals echo the credentials the request presented
    /// (client secret, refresh token, code, token) in their message, as some
    /// servers echo a bad request, so a client's redaction of them can be
    /// tested. v1 refuses with OAuth's `error` and HubSpot's v1 `status`;
    /// 2026-03 with HubSpot's `Error` body, OAuth's code as `subCategory`.
    ///
    /// Introspection tells a refresh token (active until revoked) from an
    /// access token (active until it expires or its install is revoked).
    /// Revocation revokes one refresh token (204); the access tokens issued
    /// with it stay valid until they expire.
    pub fn oauth_client(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.config.oauth_client = Some((client_id.into(), client_secret.into()));
        self
    }

    /// How long issued access tokens live (`expires_in`; default 30 minutes).
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.config.access_token_ttl = ttl;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, a free loopback port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Binds the socket and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<Sandbox, StartError> {
        let templates = self.event_types()?;
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| StartError::Bind { addr: self.addr, source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: self.addr, source })?;
        Ok(server::spawn(listener, addr, self.config, self.accounts, templates, self.faults))
    }

    /// The templates and app-event types given and those of the folders, each checked.
    fn event_types(&self) -> Result<TemplateStore, StartError> {
        let mut store = TemplateStore::new(self.config.app_id);
        let from_dirs = read_dirs(&self.template_dirs, ".json", false).map_err(StartError::Template)?;
        for template in self.templates.iter().cloned().chain(from_dirs.into_iter().map(TimelineEventTemplate::from)) {
            store.add_template(template).map_err(StartError::Template)?;
        }
        let from_dirs = read_dirs(&self.app_event_dirs, "-hsmeta.json", true).map_err(StartError::AppEvent)?;
        for definition in self.app_events.iter().cloned().chain(from_dirs) {
            store.add_app_event(definition).map_err(StartError::AppEvent)?;
        }
        Ok(store)
    }
}

/// The definitions in the files of `dirs` whose names end with `suffix`,
/// each an app event when `app_events` says so, an event template otherwise.
fn read_dirs(dirs: &[PathBuf], suffix: &str, app_events: bool) -> Result<Vec<Definition>, String> {
    let mut definitions = Vec::new();
    for dir in dirs {
        for (path, definition) in read_dir(dir, suffix).map_err(|error| error.to_string())? {
            let path = path.display();
            match (matches!(definition.origin, Origin::AppEvent { .. }), app_events) {
                (true, false) => {
                    return Err(format!(
                        "{path} is not an event template: it is an app-event definition (`uid`, `type`, `config`)"
                    ));
                }
                (false, true) => {
                    return Err(format!(
                        "{path}: this is an event template definition, not an app event (`uid`, `type`, `config`)"
                    ));
                }
                _ => definitions.push(definition),
            }
        }
    }
    Ok(definitions)
}
