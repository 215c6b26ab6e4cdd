//! [`Relay`] and its [`RelayBuilder`]: the app, a dispatcher with the
//! relay's sink, the callers' accounts, the definitions and the settings,
//! served as an axum [`Router`].

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use timeline_core::App;
use timeline_core::check::EventTypes;
use timeline_dispatch::{DispatchOutcome, Dispatcher, DispatcherBuilder, Sink};

use crate::callers::Callers;
use crate::config::RelaySettings;
use crate::console::Console;
use crate::error::Error;
use crate::forwarder::Forwarder;
use crate::introspection::TokenAccounts;
use crate::learned_templates::{LearnedTemplates, TemplateSource};
use crate::routes;
use crate::settlement::Settlements;
use crate::state::{Definitions, RelayState};

/// HubSpot's timeline create paths in front of a [`Dispatcher`]: serve
/// [`router`](Self::router) and point a HubSpot client's base URL at it.
///
/// Every valid input is in the outbox before the answer; the answer is
/// HubSpot's own when the inputs settle within the
/// [ack wait](RelayBuilder::ack_wait), a pending answer (`status:
/// PENDING`, a status link; `207` for a v3 batch, `202` otherwise)
/// otherwise. Every other request goes to HubSpot (the app's
/// [base URL](App::base_url)) unchanged, under the caller's account's
/// [budget](App::rate_budget), and a token endpoint's answer that passes is
/// saved in the app's token store ([`App::save_granted`]). A bearer token
/// that `callers` does not name is asked about at HubSpot
/// ([`App::introspect`]) and remembered until it expires. Cloning is cheap;
/// every clone is the same relay.
///
/// A v3 template the app sends as app events ([`AppBuilder::migrate`](timeline_core::AppBuilder::migrate))
/// is delivered as occurrences while its callers keep sending and being
/// answered as v3; a v3 input the app event cannot take is refused at the
/// edge with a per-input error, and never stored.
///
/// ```no_run
/// # async fn run(app: timeline_core::App, outbox: timeline_dispatch::MemoryOutbox) -> Result<(), Box<dyn std::error::Error>> {
/// use timeline_dispatch::Dispatcher;
/// use timeline_relay::{Callers, Relay};
///
/// let callers = Callers::from_tokens([("token-101", 101_u64)]);
/// let relay = Relay::builder(app.clone(), Dispatcher::builder(app, outbox), callers).spawn()?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// axum::serve(listener, relay.router()).await?;
/// relay.dispatcher().shutdown(std::time::Duration::from_secs(10)).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Relay {
    state: Arc<RelayState>,
}

impl Relay {
    /// A relay delivering through the dispatcher `dispatcher` builds, with
    /// `app` (the app the dispatcher delivers with), for the accounts
    /// `callers` names and those HubSpot names by introspection. The
    /// relay's sink replaces any sink set on `dispatcher`.
    pub fn builder(app: App, dispatcher: DispatcherBuilder, callers: Callers) -> RelayBuilder {
        RelayBuilder {
            app,
            dispatcher,
            callers,
            event_types: None,
            template_source: None,
            settings: RelaySettings::default(),
            console: None,
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }

    /// The relay's routes, to serve or to merge into a service's router.
    pub fn router(&self) -> Router {
        routes::router(Arc::clone(&self.state))
    }

    /// The dispatcher that stores and delivers the inputs: shut it down
    /// once the server stopped taking requests.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.state.dispatcher
    }

    /// The relay's settings.
    pub fn settings(&self) -> RelaySettings {
        self.state.settings
    }
}

/// Builds a [`Relay`]: its definitions and settings, with the defaults of
/// [`RelaySettings`]. Without definitions the relay learns templates from
/// HubSpot: from the template calls that pass through it, and from a
/// [`TemplateSource`] when given, each trusted for
/// [`LEARNED_FOR`](crate::LEARNED_FOR); a v3 input of a template it learned
/// is checked, the others (and app events) go unchecked (HubSpot checks
/// them), and a v3 answer's `objectType` is left empty where the relay
/// knows no definition: only a template's definition says it.
#[derive(Debug)]
pub struct RelayBuilder {
    app: App,
    dispatcher: DispatcherBuilder,
    callers: Callers,
    event_types: Option<EventTypes>,
    template_source: Option<TemplateSource>,
    settings: RelaySettings,
    console: Option<Console>,
    #[cfg(feature = "metrics")]
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl RelayBuilder {
    /// Checks every input against these definitions before it is stored,
    /// as HubSpot checks it (see [`timeline_core::check`]).
    pub fn event_types(mut self, event_types: EventTypes) -> Self {
        self.event_types = Some(event_types);
        self
    }

    /// Without [`event_types`](Self::event_types), asks `source` for the
    /// templates of v3 inputs the relay has not learned yet.
    pub fn template_source(mut self, source: TemplateSource) -> Self {
        self.template_source = Some(source);
        self
    }

    /// How long a request waits for its inputs to settle before the relay
    /// answers that they are pending ([`DEFAULT_ACK_WAIT`](crate::DEFAULT_ACK_WAIT) unless given).
    pub fn ack_wait(mut self, ack_wait: Duration) -> Self {
        self.settings.ack_wait = ack_wait;
        self
    }

    /// The largest request body in bytes
    /// ([`DEFAULT_MAX_BODY_BYTES`](crate::DEFAULT_MAX_BODY_BYTES) unless given).
    pub fn max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.settings.max_body_bytes = max_body_bytes;
        self
    }

    /// Serves `console` at `/admin` over the dispatcher's outbox, its chart
    /// counting the outcomes the relay's sink hears. Without a console
    /// `/admin` answers 404.
    pub fn console(mut self, console: Console) -> Self {
        self.console = Some(console);
        self
    }

    /// Serves `GET /metrics` from `handle` (see
    /// [`prometheus_recorder`](crate::prometheus_recorder)), counts the
    /// relay's requests and answer times, and adds each account's rows;
    /// `/metrics` asks for the console's tokens when there is a console.
    #[cfg(feature = "metrics")]
    pub fn metrics(mut self, handle: metrics_exporter_prometheus::PrometheusHandle) -> Self {
        self.metrics = Some(handle);
        self
    }

    /// Starts the dispatcher (on the current tokio runtime) with the relay's
    /// sink; fails as [`DispatcherBuilder::spawn`] does, or when the HTTP
    /// client of forwarded requests cannot be made.
    pub fn spawn(self) -> Result<Relay, Error> {
        let forwarder = Forwarder::new(self.app.base_url(), self.app.rate_budget())
            .map_err(|error| Error::HttpClient(error.to_string()))?;
        let settlements = Settlements::default();
        let (heard, console) = (settlements.clone(), self.console.clone());
        let dispatcher = self
            .dispatcher
            .sink(move |outcome: &DispatchOutcome| {
                heard.outcome(outcome);
                if let Some(console) = &console {
                    console.outcome(outcome);
                }
            })
            .spawn()?;
        let state = RelayState {
            dispatcher,
            token_accounts: TokenAccounts::new(self.callers, self.app.clone()),
            app: self.app,
            forwarder,
            definitions: match self.event_types {
                Some(types) => Definitions::Given(types),
                None => Definitions::Learned(LearnedTemplates::new(self.template_source)),
            },
            settlements,
            settings: self.settings,
            console: self.console,
            #[cfg(feature = "metrics")]
            metrics: self.metrics,
        };
        Ok(Relay { state: Arc::new(state) })
    }
}
