//! App events, HubSpot's successor of v3 timeline events: their types
//! (from `*-hsmeta.json` definitions), the checks of an occurrence against
//! its type, and the stored occurrences.

mod store;
mod types;
mod validate;

pub(crate) use store::{AppEventStore, StoredOccurrence};
/// An occurrence as the sandbox stores and answers it: the client's own
/// wire model, so both read and write the same shape. The sandbox keeps what
/// the input carried; only a missing `timestamp` is filled with the time of
/// storing.
pub use timeline_core::wire::AppEventOccurrence;
pub(crate) use types::{AppEventTypes, load_dir};
pub(crate) use validate::{Checked, check_occurrence};
