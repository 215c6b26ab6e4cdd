//! The handle of a running sandbox.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use timeline_core::AccountId;

use timeline_core::wire::{TimelineEventResponse, TimelineEventTemplate};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::AppEventOccurrence;
use crate::accounts::Grant;
use crate::builder::SandboxBuilder;
use crate::faults::{FaultInjector, Faults};
use crate::state::State;
use crate::stats::Stats;

/// A running local stand-in for HubSpot's timeline API.
///
/// Dropping the handle stops the server too; [`Sandbox::shutdown`] also waits
/// for open connections to finish.
///
/// ```no_run
/// # async fn run() -> Result<(), timeline_sandbox::StartError> {
/// let sandbox = timeline_sandbox::Sandbox::builder().start().await?;
/// let base_url = sandbox.url(); // such as "http://127.0.0.1:40123"
/// # let _ = base_url;
/// assert!(sandbox.events().is_empty());
/// sandbox.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Sandbox {
    url: String,
    addr: SocketAddr,
    state: Arc<State>,
    stop: watch::Sender<()>,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// A builder with HubSpot's defaults and no templates.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    pub(crate) fn new(addr: SocketAddr, state: Arc<State>, stop: watch::Sender<()>, task: JoinHandle<()>) -> Self {
        Sandbox { url: format!("http://{addr}"), addr, state, stop, task }
    }

    /// The base URL, such as `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The stored events, in the order their (template, id) was first stored;
    /// a replacing re-send ([`crate::DuplicateIds::Replace`]) takes the place
    /// of the event it replaces.
    pub fn events(&self) -> Vec<TimelineEventResponse> {
        self.state.events().all()
    }

    /// The stored events of one account, in the order their (template, id)
    /// was first stored (`GET /_sandbox/events?account=…` over HTTP).
    /// Without registered accounts, every event is
    /// [`DEFAULT_ACCOUNT`](crate::DEFAULT_ACCOUNT)'s.
    pub fn events_in(&self, account: impl Into<AccountId>) -> Vec<TimelineEventResponse> {
        let account = account.into().get();
        self.state.events().in_account(account)
    }

    /// The stored event with this template and id.
    pub fn event(&self, template_id: &str, event_id: &str) -> Option<TimelineEventResponse> {
        self.state.events().get(template_id, event_id).map(|stored| stored.event.clone())
    }

    /// How many event inputs with this template and id the sandbox received
    /// on the create routes, whatever became of them: stored, replaced,
    /// answered as identical, or refused. Ids are counted as sent (an id
    /// holding `{{uuid}}` under that text); inputs without an id, or that
    /// are not objects with a string `eventTemplateId` and `id`, are not
    /// counted.
    ///
    /// ```no_run
    /// # async fn run(sandbox: timeline_sandbox::Sandbox) {
    /// // After a client's retry, see whether the event went out twice:
    /// assert_eq!(sandbox.received("1001298", "order-17"), 1, "delivered twice");
    /// # }
    /// ```
    pub fn received(&self, template_id: &str, event_id: &str) -> u64 {
        self.state.received().get(template_id, event_id)
    }

    /// Every receive count of [`Sandbox::received`], by (template id, event id).
    pub fn received_counts(&self) -> BTreeMap<(String, String), u64> {
        self.state.received().all()
    }

    /// The stored app-event occurrences, in the order stored.
    pub fn app_events(&self) -> Vec<AppEventOccurrence> {
        self.state.app_events().all()
    }

    /// The stored app-event occurrences of one account, in the order stored
    /// (`GET /_sandbox/app-events?account=…` over HTTP).
    pub fn app_events_in(&self, account: impl Into<AccountId>) -> Vec<AppEventOccurrence> {
        let account = account.into().get();
        self.state.app_events().in_account(account)
    }

    /// The stored occurrence with this id of the app-event type named by
    /// its uid or its fully-qualified name.
    pub fn app_event(&self, event_type: &str, id: &str) -> Option<AppEventOccurrence> {
        let templates = self.state.templates();
        let uid = templates.types().app_event(event_type)?.event_type();
        self.state.app_events().get(uid, id).map(|stored| stored.occurrence.clone())
    }

    /// How many app-event inputs with this type (uid or fully-qualified
    /// name) and id the sandbox received on the app-event routes, whatever
    /// became of them: stored, or refused (invalid, repeated, conflicting,
    /// or with their batch). Inputs that are not objects with a string
    /// `eventTypeName` and `id` are not counted; an unknown type is counted
    /// under its name as sent.
    ///
    /// ```no_run
    /// # async fn run(sandbox: timeline_sandbox::Sandbox) {
    /// assert_eq!(sandbox.app_event_received("webinar_registered", "reg-1"), 1, "sent twice");
    /// # }
    /// ```
    pub fn app_event_received(&self, event_type: &str, id: &str) -> u64 {
        let templates = self.state.templates();
        self.state.app_events_received().get(templates.app_event_uid(event_type), id)
    }

    /// Every receive count of [`Sandbox::app_event_received`], by (type uid, id).
    pub fn app_event_received_counts(&self) -> BTreeMap<(String, String), u64> {
        self.state.app_events_received().all()
    }

    /// The fully-qualified name occurrences of the app-event type `uid` may
    /// use instead of its uid: `app{APP_ID}-{uid}`, with the builder's
    /// [`app_id`](SandboxBuilder::app_id) (1 when it is not set); `None`
    /// for a uid the sandbox does not know. `types/projects` answers it too.
    ///
    /// ```no_run
    /// # async fn run(sandbox: timeline_sandbox::Sandbox) {
    /// assert_eq!(sandbox.app_event_type_name("webinar_registered").as_deref(), Some("app1-webinar_registered"));
    /// # }
    /// ```
    pub fn app_event_type_name(&self, uid: &str) -> Option<String> {
        self.state.templates().fully_qualified_name(uid)
    }

    /// The templates the sandbox holds now, by id.
    pub fn templates(&self) -> Vec<TimelineEventTemplate> {
        self.state.templates().all()
    }

    /// What the sandbox has received and answered so far.
    pub fn stats(&self) -> Stats {
        self.state.counters().all().clone()
    }

    /// What the sandbox has received from and answered to one account so far
    /// (`GET /_sandbox/stats?account=…` over HTTP): its requests, answers by
    /// status (its 429s too), inputs, tokens issued and token requests. All
    /// zero for an account never seen.
    pub fn account_stats(&self, account: impl Into<AccountId>) -> Stats {
        let account = account.into().get();
        self.state.counters().account(account)
    }

    /// A fresh one-use authorization code for the account, as HubSpot's
    /// install flow hands to the app's redirect URL; it registers the account
    /// if it is new (see [`SandboxBuilder::account_token`]). Exchange it at
    /// `POST /oauth/2026-03/token` (or v1's `POST /oauth/v1/token`) with
    /// `grant_type=authorization_code`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), timeline_sandbox::StartError> {
    /// let sandbox = timeline_sandbox::Sandbox::builder().oauth_client("cid", "secret").start().await?;
    /// let code = sandbox.authorization_code(101);
    /// // POST /oauth/2026-03/token: grant_type=authorization_code&code=…&client_id=cid&client_secret=secret
    /// # let _ = code;
    /// # Ok(()) }
    /// ```
    pub fn authorization_code(&self, account: impl Into<AccountId>) -> String {
        let account = account.into().get();
        self.state.accounts().new_code(account)
    }

    /// Issues tokens for the account (registering it if new) as if an
    /// authorization code had been exchanged, without a token-endpoint
    /// request and without counting one: for seeding a token store. The
    /// access token lives `access_token_ttl`.
    pub fn grant(&self, account: impl Into<AccountId>) -> Grant {
        let account = account.into().get();
        let mut accounts = self.state.accounts();
        accounts.register(account);
        accounts.issue(account, self.state.config.access_token_ttl, Instant::now(), None)
    }

    /// Revokes the app's install in the account: its access tokens (those
    /// registered with [`SandboxBuilder::account_token`] too) answer 401
    /// `INVALID_AUTHENTICATION`, its refresh tokens and unused codes get 400
    /// `invalid_grant` at both token endpoints, v1's token metadata answers
    /// 404 and 2026-03 introspection calls its tokens inactive. Codes and
    /// grants made later work again, as a new install would. An unknown
    /// account is left alone. (`POST /oauth/2026-03/token/revoke` revokes
    /// one refresh token instead.)
    pub fn revoke(&self, account: impl Into<AccountId>) {
        let account = account.into().get();
        self.state.accounts().revoke(account);
    }

    /// Makes the next `times` requests to a token endpoint (`POST
    /// /oauth/v1/token` or `POST /oauth/2026-03/token`) answer 429
    /// with HubSpot's rate-limit body and `Retry-After: <retry_after in whole
    /// seconds, rounded up, at least 1>`, before anything else is checked;
    /// the ones after are answered normally. A new call replaces what is
    /// left of the last one; `times` 0 stops throttling.
    pub fn throttle_token_endpoint(&self, times: u32, retry_after: Duration) {
        self.state.throttle_token_endpoint(times, retry_after);
    }

    /// Clears stored events and app-event occurrences, contacts, counters
    /// (each account's too), receive counts and rate-limit windows; templates, accounts, their tokens and
    /// codes, the fault plan and the token-endpoint throttle stay.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Replaces the fault plan; the new plan starts from its first entry.
    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults() = FaultInjector::new(faults);
    }

    /// Stops accepting connections, lets open ones finish their current
    /// request, and waits for the server to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Err(error) = self.task.await {
            tracing::warn!(%error, "the sandbox server task failed");
        }
    }
}
