//! App events, HubSpot's successor of v3 timeline events: the stored
//! occurrences (their types are definitions among the sandbox's event
//! types, and each occurrence is checked with `timeline_core::check`).

mod store;

pub(crate) use store::{AppEventStore, StoredOccurrence};
/// An occurrence as the sandbox stores and answers it: the client's own
/// wire model, so both read and write the same shape. The sandbox keeps what
/// the input carried; only a missing `timestamp` is filled with the time of
/// storing.
pub use timeline_core::wire::AppEventOccurrence;
