//! Background delivery of HubSpot timeline events for services: the
//! [`Outbox`] trait, where emitted events wait until they are delivered or
//! dead.
//!
//! This crate is re-exported by `hubspot-timeline` under its `dispatch`
//! feature.

#![warn(missing_docs)]

#[cfg(feature = "conformance")]
pub mod conformance;
mod memory;
pub mod outbox;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use outbox::{
    AccountCounts, ClaimLimits, Claimed, Enqueued, EventKey, EventKind, Fence, NewEvent, Outbox, OutboxCounts,
    OutboxError, OutboxFuture, RowFilter, RowId, RowState, RowSummary, Settled, Settlement,
};

pub use memory::MemoryOutbox;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteOutbox;
