//! App events, HubSpot's successor of v3 timeline events: their types
//! (from `*-hsmeta.json` definitions), the checks of an occurrence against
//! its type, and the stored occurrences.

mod occurrence;
mod store;
mod types;
mod validate;

pub use occurrence::AppEventOccurrence;
pub(crate) use store::{AppEventStore, StoredOccurrence};
pub(crate) use types::{AppEventDefinition, AppEventTypes, load_dir};
pub(crate) use validate::{Checked, check_occurrence};
