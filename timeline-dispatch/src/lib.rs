//! Background delivery of HubSpot timeline events for services: the
//! [`Dispatcher`], and the [`Outbox`] trait, where emitted events wait until
//! they are delivered or dead.
//!
//! ```no_run
//! # async fn run(app: timeline_core::App, outbox: impl timeline_dispatch::Outbox, event: timeline_core::EncodedInput) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use timeline_dispatch::Dispatcher;
//!
//! let dispatcher = Dispatcher::builder(app, outbox).spawn()?;
//! dispatcher.emit(101, &event).await?;        // in the outbox now
//! dispatcher.flush().await?;                  // delivered, or failed for now
//! let report = dispatcher.shutdown(Duration::from_secs(10)).await?;
//! println!("left in the outbox: {:?}", report.outbox);
//! # Ok(()) }
//! ```
//!
//! This crate is re-exported by `hubspot-timeline` under its `dispatch`
//! feature.

#![warn(missing_docs)]

mod accounts;
mod builder;
mod capacity;
mod config;
#[cfg(feature = "conformance")]
pub mod conformance;
mod dispatcher;
mod error;
mod fate;
mod input;
mod memory;
pub mod metrics;
pub mod outbox;
mod schedule;
mod settle;
mod shutdown;
mod sink;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use builder::{
    DEFAULT_BATCH_SIZE, DEFAULT_BATCH_TIMEOUT, DEFAULT_BATCHES_PER_ACCOUNT, DEFAULT_LEASE, DEFAULT_LINGER,
    DEFAULT_MAX_UNDELIVERED, DEFAULT_POLL_INTERVAL, DEFAULT_RETENTION, DEFAULT_RETRY_INITIAL_BACKOFF,
    DEFAULT_RETRY_MAX_BACKOFF, DEFAULT_ROWS_UNDER_WAY, DispatcherBuilder, LONGEST_WAIT, MAX_BATCH_SIZE,
};
pub use dispatcher::{Dispatcher, Emitted};
pub use error::{Error, TryEmitError};
pub use fate::Fate;
pub use input::encode_event;
pub use memory::MemoryOutbox;
#[cfg(feature = "metrics")]
pub use metrics::MeteredBudget;
pub use outbox::{
    AccountCounts, ClaimLimits, Claimed, DeadReason, Enqueued, EventKey, EventKind, Fence, INSTALL_REVOKED, NewEvent,
    Outbox, OutboxCounts, OutboxDepth, OutboxFuture, Pause, RowFilter, RowId, RowState, RowSummary, Settled,
};
pub use shutdown::ShutdownReport;
pub use sink::{DispatchOutcome, Sink};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteOutbox;
