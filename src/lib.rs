//! Typed HubSpot CRM timeline events.
#![deny(missing_docs)]

pub use timeline_core::*;

#[cfg(feature = "derive")]
pub use timeline_derive::{TimelineEvent, TimelineToken};

#[cfg(feature = "sandbox")]
pub use timeline_sandbox as sandbox;
