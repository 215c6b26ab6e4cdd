//! A sandbox as HubSpot, a relay in front of it, and small helpers.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;
use timeline_core::{App, Client, LocalRateBudget, MemoryTokenStore};
use timeline_dispatch::{Dispatcher, Outbox, OutboxCounts, RowFilter, RowSummary, SqliteOutbox};
use timeline_relay::{Console, Relay, TemplateSource, TokensFile, event_types_from_dir};
use timeline_sandbox::{Faults, RateLimit, Sandbox};
use timeline_testkit::openapi::assert_answer_keeps_contract;

/// The account the test token names.
pub const ACCOUNT: u64 = 101;
/// The bearer token of [`ACCOUNT`], at the relay and at the sandbox.
pub const TOKEN: &str = "token-101";
/// Another account.
pub const OTHER_ACCOUNT: u64 = 202;
/// The bearer token of [`OTHER_ACCOUNT`].
pub const OTHER_TOKEN: &str = "token-202";
/// The contact template `1001298` (tokens petName, petAge, adoptedOn, breed).
pub const PET: &str = "1001298";
/// The deal template `1004521` (token amount).
pub const DEAL: &str = "1004521";
/// The v3 batch create path.
pub const BATCH: &str = "/integrators/timeline/v3/events/batch/create";
/// The v3 single create path.
pub const SINGLE: &str = "/integrators/timeline/v3/events";
/// The sandbox's app id, in the template paths.
pub const APP_ID: u16 = 1;
/// The OAuth client id and secret of the relay's app at the sandbox.
pub const CLIENT: &str = "relay-test";
/// The app-event batch path.
pub const APP_EVENT_BATCH: &str = "/integrators/timeline/2026-03/events/batch";

/// The relay's definitions: the pet and deal templates and the
/// `webinar_registered` app event.
const DEFINITIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/definitions");

/// How a test's relay and sandbox are set up; the defaults are the relay's.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// Check inputs against the definitions.
    pub checked: bool,
    /// The ack wait, when not the default.
    pub ack_wait: Option<Duration>,
    /// The sandbox's latency.
    pub latency: Duration,
    /// The body limit, when not the default.
    pub max_body_bytes: Option<usize>,
    /// Each account's rate limit at the sandbox and in the relay's pacing;
    /// none by default.
    pub rate_limit: Option<RateLimit>,
    /// The sandbox's faults; none by default.
    pub faults: Option<Faults>,
    /// How long the sandbox's access tokens live, when not its default.
    pub access_token_ttl: Option<Duration>,
    /// The OAuth client id of the relay's app, when not [`CLIENT`], the
    /// sandbox's: the token answers the sandbox grants are another app's.
    pub app_client: Option<&'static str>,
    /// Without `checked`, the relay asks the sandbox for the templates it
    /// does not know, with a developer key.
    pub template_source: bool,
    /// Send the pet template's events as the app event [`MIGRATED_PET`]
    /// (which the sandbox then knows).
    pub migrate: bool,
    /// The operator console; off by default.
    pub console: Option<Console>,
    /// Serve `/metrics` from the process's Prometheus recorder.
    pub metrics: bool,
}

/// The pet template as `timeline migrate` writes it: the app event `pet_adopted`.
pub const MIGRATED_PET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/migrated/pet_adopted-hsmeta.json");

/// The app-event definition of [`MIGRATED_PET`].
pub fn migrated_pet() -> timeline_template::Definition {
    timeline_template::migration::read(MIGRATED_PET.as_ref()).unwrap().definition
}

/// A sandbox, and a relay in front of it serving on loopback.
pub struct Harness {
    /// HubSpot.
    pub sandbox: Sandbox,
    /// The relay.
    pub relay: Relay,
    /// The relay's base URL.
    pub url: String,
    /// The token store of the relay's app.
    pub store: Arc<MemoryTokenStore>,
    _outbox_dir: TempDir,
}

/// Starts a sandbox knowing both accounts' tokens and a relay as `setup` says.
pub async fn start(setup: Setup) -> Harness {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../timeline-sandbox/tests/data");
    let sandbox = Sandbox::builder()
        .templates_from_dir(format!("{data}/templates"))
        .app_events_from_dir(format!("{data}/app-events"))
        .account_token(ACCOUNT, TOKEN)
        .account_token(OTHER_ACCOUNT, OTHER_TOKEN)
        .oauth_client(CLIENT, CLIENT)
        .latency(setup.latency);
    let sandbox = match setup.rate_limit {
        Some(limit) => sandbox.rate_limit(limit),
        None => sandbox.no_rate_limit(),
    };
    let sandbox = match setup.faults.clone() {
        Some(faults) => sandbox.faults(faults),
        None => sandbox,
    };
    let sandbox = match setup.access_token_ttl {
        Some(ttl) => sandbox.access_token_ttl(ttl),
        None => sandbox,
    };
    let sandbox = if setup.migrate { sandbox.app_event_type(migrated_pet()) } else { sandbox };
    let sandbox = sandbox.start().await.unwrap();
    let client = Client::builder().base_url(sandbox.url());
    // The console observes the app's budget: its pages show each account's requests and 429s.
    let (client, budget) = match (&setup.console, setup.rate_limit) {
        (Some(console), limit) => {
            let budget = Arc::new(LocalRateBudget::new(limit.unwrap_or_default()).unwrap());
            (client, Some(console.observe_budget(budget)))
        }
        (None, Some(limit)) => (client.rate_limit(limit), None),
        (None, None) => (client, None),
    };
    let tokens =
        TokensFile::parse(&json!({ ACCOUNT.to_string(): TOKEN, OTHER_ACCOUNT.to_string(): OTHER_TOKEN }).to_string())
            .unwrap();
    let store = Arc::new(tokens.token_store());
    let app = App::builder()
        .client(client)
        .client_id(setup.app_client.unwrap_or(CLIENT))
        .client_secret(CLIENT)
        .token_store(Arc::clone(&store) as Arc<_>);
    let app = if setup.migrate { app.migrate(PET, migrated_pet()) } else { app };
    let app = match budget {
        Some(budget) => app.rate_budget(budget),
        None => app,
    };
    let app = app.build().unwrap();
    let outbox_dir = tempfile::tempdir().unwrap();
    let outbox = SqliteOutbox::open(outbox_dir.path().join("outbox.sqlite")).await.unwrap();
    let mut relay = Relay::builder(app.clone(), Dispatcher::builder(app, outbox), tokens.callers());
    if setup.checked {
        relay = relay.event_types(event_types_from_dir(DEFINITIONS.as_ref()).unwrap());
    }
    if setup.template_source {
        let developer = Client::builder().base_url(sandbox.url()).developer_key("developer-key").build().unwrap();
        relay = relay.template_source(TemplateSource::new(developer, i32::from(APP_ID)));
    }
    if let Some(ack_wait) = setup.ack_wait {
        relay = relay.ack_wait(ack_wait);
    }
    if let Some(max) = setup.max_body_bytes {
        relay = relay.max_body_bytes(max);
    }
    if let Some(console) = setup.console {
        relay = relay.console(console);
    }
    if setup.metrics {
        relay = relay.metrics(timeline_relay::prometheus_recorder().unwrap());
    }
    let relay = relay.spawn().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, relay.router()).into_future());
    Harness { sandbox, relay, url, store, _outbox_dir: outbox_dir }
}

impl Harness {
    /// Posts `body` (JSON) to `path` with `token`; the status and the JSON answer.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        self.post_bytes(path, token, body.to_string().into_bytes()).await
    }

    /// Posts raw `body` bytes to `path` with `token`; an answer on
    /// HubSpot's paths must keep HubSpot's contract (its OpenAPI files).
    pub async fn post_bytes(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> (u16, Value) {
        let mut request = reqwest::Client::new().post(format!("{}{path}", self.url)).body(body);
        request = request.header("content-type", "application/json");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let (status, answer) = status_and_json(request.send().await.unwrap()).await;
        if path.starts_with("/integrators/timeline/") {
            assert_answer_keeps_contract("POST", path, status, &answer);
        }
        (status, answer)
    }

    /// Gets `url` with `token`.
    pub async fn get(&self, url: &str, token: &str) -> (u16, Value) {
        status_and_json(reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap()).await
    }

    /// Sends `method` to `path` of `base` (the relay's or the sandbox's URL)
    /// with `token`; the status and the body as text. The relay's answers
    /// on HubSpot's timeline paths must keep HubSpot's contract.
    pub async fn call(
        &self,
        base: &str,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, String) {
        let mut request = reqwest::Client::new().request(method.clone(), format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let answer = request.send().await.unwrap();
        let (status, text) = (answer.status().as_u16(), answer.text().await.unwrap());
        let path = path.split('?').next().unwrap_or(path);
        if base == self.url && path.starts_with("/integrators/timeline/") {
            let body =
                serde_json::from_str(&text).unwrap_or_else(|error| panic!("{status}: not JSON ({error}): {text}"));
            assert_answer_keeps_contract(method.as_str(), path, status, &body);
        }
        (status, text)
    }

    /// Every row of the relay's outbox.
    pub async fn rows(&self) -> Vec<RowSummary> {
        self.outbox().list(&RowFilter::default(), 10_000).await.unwrap()
    }

    /// The outbox's rows per state.
    pub async fn counts(&self) -> OutboxCounts {
        self.outbox().counts().await.unwrap()
    }

    fn outbox(&self) -> &Arc<dyn Outbox> {
        self.relay.dispatcher().outbox()
    }
}

/// An answer's status and JSON body.
pub async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|error| panic!("{status}: not JSON ({error}): {text}")))
}

/// A valid pet input with this id.
pub fn pet(id: &str) -> Value {
    json!({
        "eventTemplateId": PET,
        "id": id,
        "objectId": "5120345",
        "tokens": {"petName": "Rex", "petAge": "3", "adoptedOn": "1777886100000", "breed": "lab"}
    })
}

/// A valid webinar occurrence with this id.
pub fn webinar(id: &str) -> Value {
    json!({
        "eventTypeName": "webinar_registered",
        "id": id,
        "objectId": "5120345",
        "timestamp": "2026-05-04T09:15:00Z",
        "properties": {"webinarName": "Q2 roadmap", "seats": "40", "startsOn": "1777886100000", "webinarType": "ama"}
    })
}

pub use timeline_testkit::openapi::assert_matches_schema;

/// Waits until `ready` holds, asking again every few milliseconds; fails
/// after a generous bound.
pub async fn wait_for<F: std::future::Future<Output = bool>>(what: &str, mut ready: impl FnMut() -> F) {
    let give_up = tokio::time::Instant::now() + Duration::from_secs(60);
    while !ready().await {
        assert!(tokio::time::Instant::now() < give_up, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
