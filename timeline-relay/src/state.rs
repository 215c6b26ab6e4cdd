//! [`RelayState`]: what every route of a relay shares.

use timeline_core::App;
use timeline_core::check::EventTypes;
use timeline_dispatch::Dispatcher;

use crate::config::RelaySettings;
use crate::console::Console;
use crate::forwarder::Forwarder;
use crate::introspection::TokenAccounts;
use crate::learned_templates::LearnedTemplates;
use crate::settlement::Settlements;

/// What every route of a relay shares.
#[derive(Debug)]
pub(crate) struct RelayState {
    /// Stores and delivers the inputs.
    pub(crate) dispatcher: Dispatcher,
    /// The app the dispatcher delivers with: it introspects tokens and
    /// saves the tokens of token answers that pass.
    pub(crate) app: App,
    /// The accounts of the callers' tokens.
    pub(crate) token_accounts: TokenAccounts,
    /// Sends the requests the relay does not serve to HubSpot.
    pub(crate) forwarder: Forwarder,
    /// The definitions inputs are checked against.
    pub(crate) definitions: Definitions,
    /// The dispatcher's sink, which wakes waiting requests.
    pub(crate) settlements: Settlements,
    /// The ack wait and the body limit.
    pub(crate) settings: RelaySettings,
    /// The operator console at `/admin`; `None`: off.
    pub(crate) console: Option<Console>,
    /// The recorder `/metrics` shows; `None`: no `/metrics`.
    #[cfg(feature = "metrics")]
    pub(crate) metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

/// The definitions a relay checks inputs against.
#[derive(Debug)]
pub(crate) enum Definitions {
    /// Given (definition files): every input is checked, and one of an
    /// event type they do not have is refused.
    Given(EventTypes),
    /// Learned from HubSpot: a v3 input of a template the relay learned is
    /// checked, the others go unchecked (HubSpot checks them).
    Learned(LearnedTemplates),
}
