//! [`EventKind`]: which HubSpot API an event type belongs to.

use std::fmt;

/// Which HubSpot API an event goes to.
///
/// ```
/// use timeline_core::EventKind;
/// assert_eq!(EventKind::AppEvent.as_str(), "app_event");
/// assert_eq!(EventKind::from_name("timeline"), Some(EventKind::Timeline));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum EventKind {
    /// A timeline event of a v3 template
    /// (`POST /integrators/timeline/v3/events/batch/create`); its event type
    /// is the template id.
    #[default]
    Timeline,
    /// An app-event occurrence (`POST /integrators/timeline/2026-03/events/batch`);
    /// its event type is the event type name (the definition's `uid`, or its
    /// fully-qualified name).
    AppEvent,
}

impl EventKind {
    /// The name an outbox stores: `"timeline"` or `"app_event"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::Timeline => "timeline",
            EventKind::AppEvent => "app_event",
        }
    }

    /// The kind [`as_str`](Self::as_str) names, or `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "timeline" => Some(EventKind::Timeline),
            "app_event" => Some(EventKind::AppEvent),
            _ => None,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
