//! What the dispatcher tests share: an event type and its template, a
//! sandbox with three accounts, an app of those accounts, a dispatcher tuned
//! for fast tests, and a sink that keeps every outcome.

#![allow(dead_code)]

use hubspot_timeline::Client;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::events::by_hand::{IdText, TokenWriter};
use hubspot_timeline::events::{EventKind, Target, TokenKind, TokenSpec};
use hubspot_timeline::send::{FailureReason, RetryPolicy};
use hubspot_timeline::wire::TimelineEventTemplate;
use hubspot_timeline::{App, EncodeError, TimelineEvent, TimelineToken};
use timeline_dispatch::{DispatchOutcome, Dispatcher, DispatcherBuilder, Fate, MemoryOutbox, Outbox};
use timeline_sandbox::{Sandbox, SandboxBuilder};

/// The accounts of the test sandboxes.
pub const ACCOUNTS: [u64; 3] = [101, 102, 103];

/// The token of `account` in the sandbox and the app's store.
pub fn token_of(account: u64) -> String {
    format!("tok-{account}")
}

/// A plan; `Legacy` is not an option of the sandbox template, so HubSpot
/// refuses it: a permanent failure.
#[derive(Debug, Clone, Copy, PartialEq, TimelineToken)]
#[timeline(rename_all = "kebab-case")]
pub enum Plan {
    Starter,
    Pro,
    Legacy,
}

/// An event of the contacts template `2001001`.
#[derive(Debug, Clone, TimelineEvent)]
#[timeline(template_id = "2001001", rename_all = "camelCase")]
pub struct Signup {
    #[timeline(object_id)]
    pub contact_id: u64,
    #[timeline(id)]
    pub signup_id: String,
    pub plan: Plan,
}

/// The template id of [`Signup`].
pub const TEMPLATE: &str = "2001001";

/// Signup number `n` of `account`: its id names both, so ids are unique across accounts.
pub fn signup(account: u64, n: usize) -> Signup {
    Signup { contact_id: 1_000 + n as u64, signup_id: format!("{account}-{n}"), plan: Plan::Starter }
}

/// Signups `0..count` of `account`.
pub fn signups(account: u64, count: usize) -> Vec<Signup> {
    (0..count).map(|n| signup(account, n)).collect()
}

/// The event type of `tests/data/app-events/trial-started-hsmeta.json`.
pub const TRIAL_STARTED: &str = "trial_started";

/// A trial started: an app event on contacts.
pub struct TrialStarted {
    pub contact_id: u64,
    pub trial_id: String,
}

impl TimelineEvent for TrialStarted {
    const EVENT_TYPE: &'static str = TRIAL_STARTED;
    const KIND: EventKind = EventKind::AppEvent;
    const TOKENS: &'static [TokenSpec] = &[TokenSpec { name: "plan", kind: TokenKind::Enumeration }];
    const OBJECT_TYPE: Option<&'static str> = Some("contacts");

    fn target(&self) -> Target<'_> {
        Target { object_id: Some(self.contact_id.into()), ..Target::default() }
    }

    fn event_id(&self) -> Option<IdText<'_>> {
        Some(self.trial_id.as_str().into())
    }

    fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> {
        tokens.token("plan", "pro")
    }
}

/// Trial number `n` of `account`; its id names both.
pub fn trial(account: u64, n: usize) -> TrialStarted {
    TrialStarted { contact_id: 2_000 + n as u64, trial_id: format!("trial-{account}-{n}") }
}

pub fn app_event_sandbox() -> timeline_sandbox::SandboxBuilder {
    sandbox().app_events_from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/app-events"))
}

/// The sandbox's copy of the template.
pub fn template() -> TimelineEventTemplate {
    let json = r#"{"id":"2001001","name":"Signup","objectType":"contacts","tokens":[
        {"name":"plan","label":"Plan","type":"enumeration","options":[
            {"label":"Starter","value":"starter"},{"label":"Pro","value":"pro"}]}]}"#;
    serde_json::from_str(json).expect("a valid template")
}

/// The app's OAuth client, known to the sandbox.
pub const CLIENT_ID: &str = "test-client-id";
/// Its secret.
pub const CLIENT_SECRET: &str = "test-client-secret";

/// A sandbox with the template, the app's OAuth client, the three accounts
/// and no rate limit.
pub fn sandbox() -> SandboxBuilder {
    let builder = Sandbox::builder().template(template()).oauth_client(CLIENT_ID, CLIENT_SECRET).no_rate_limit();
    ACCOUNTS.iter().fold(builder, |builder, &account| builder.account_token(account, token_of(account)))
}

/// An app of the three accounts of `sandbox`, with one fast retry per request.
pub fn app(sandbox: &Sandbox) -> App {
    app_with_rate_limit(sandbox, RateLimit::new(100_000, Duration::from_millis(20)))
}

/// As [`app`], with `limit` as each account's budget.
pub fn app_with_rate_limit(sandbox: &Sandbox, limit: RateLimit) -> App {
    let store = MemoryTokenStore::new();
    for account in ACCOUNTS {
        store.insert(account, AccountTokens::new(token_of(account), Utc::now() + chrono::Duration::days(1), "refresh"));
    }
    App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::new(store))
        .client(Client::builder().base_url(sandbox.url()).retry(client_retry()).rate_limit(limit))
        .build()
        .expect("a valid app")
}

/// The client's retries: two attempts a millisecond apart, so a fault
/// reaches the dispatcher quickly.
pub fn client_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(2)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(2))
        .with_jitter(|| 1.0)
}

/// The dispatcher's backoff in tests: 50 ms, doubling to 200 ms.
pub fn backoff() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_millis(200))
        .with_jitter(|| 1.0)
}

/// A dispatcher builder over `outbox` with the fast backoff, no linger and a
/// sink keeping outcomes in `outcomes`.
pub fn dispatcher(app: App, outbox: Arc<dyn Outbox>, outcomes: &Outcomes) -> DispatcherBuilder {
    Dispatcher::builder_shared(app, outbox).retry_backoff(backoff()).linger(Duration::ZERO).sink(outcomes.sink())
}

/// A started [`sandbox`], an empty [`MemoryOutbox`], the outcomes its
/// dispatcher reports, and the [`dispatcher`] builder over them.
pub async fn memory_setup() -> (Sandbox, MemoryOutbox, Outcomes, DispatcherBuilder) {
    let sandbox = sandbox().start().await.expect("the sandbox starts");
    let outbox = MemoryOutbox::new();
    let outcomes = Outcomes::default();
    let builder = dispatcher(app(&sandbox), Arc::new(outbox.clone()), &outcomes);
    (sandbox, outbox, outcomes, builder)
}

/// Every outcome a dispatcher reported, in order.
#[derive(Clone, Default)]
pub struct Outcomes(Arc<Mutex<Vec<DispatchOutcome>>>);

impl Outcomes {
    /// A sink that appends here.
    pub fn sink(&self) -> impl Fn(&DispatchOutcome) + Send + Sync + 'static {
        let outcomes = Arc::clone(&self.0);
        move |outcome: &DispatchOutcome| outcomes.lock().unwrap().push(outcome.clone())
    }

    /// The outcomes so far.
    pub fn all(&self) -> Vec<DispatchOutcome> {
        self.0.lock().unwrap().clone()
    }

    /// The delivered outcomes so far.
    pub fn delivered(&self) -> Vec<DispatchOutcome> {
        self.all().into_iter().filter(|outcome| matches!(outcome.fate, Fate::Delivered { .. })).collect()
    }
}

/// Waits until `done` says so, checking every 20 ms; panics after `limit`
/// (a hang guard, far above what the test needs).
/// Whether `fate` gives a row back unsettled (a shutdown's deadline
/// stopped its attempt), and if so whether it may have landed.
pub fn given_back(fate: &Fate) -> Option<bool> {
    match fate {
        Fate::RetryAt { reason, may_have_landed, .. }
            if matches!(**reason, FailureReason::NotSent { .. } | FailureReason::InFlight { .. }) =>
        {
            Some(*may_have_landed)
        }
        _ => None,
    }
}

pub async fn eventually<F: Future<Output = bool>>(limit: Duration, what: &str, mut done: impl FnMut() -> F) {
    let give_up = tokio::time::Instant::now() + limit;
    while !done().await {
        assert!(tokio::time::Instant::now() < give_up, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The hang guard of the tests.
pub const PATIENCE: Duration = Duration::from_secs(60);
