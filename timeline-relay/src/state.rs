//! [`RelayState`]: what every route of a relay shares.

use timeline_core::check::EventTypes;
use timeline_dispatch::Dispatcher;

use crate::callers::Callers;
use crate::config::RelaySettings;
use crate::settlement::Settlements;

/// What every route of a relay shares.
#[derive(Debug)]
pub(crate) struct RelayState {
    /// Stores and delivers the inputs.
    pub(crate) dispatcher: Dispatcher,
    /// The accounts of the callers' tokens.
    pub(crate) callers: Callers,
    /// The definitions inputs are checked against; `None`: unchecked.
    pub(crate) event_types: Option<EventTypes>,
    /// The dispatcher's sink, which wakes waiting requests.
    pub(crate) settlements: Settlements,
    /// The ack wait and the body limit.
    pub(crate) settings: RelaySettings,
}
