//! How a dispatcher's task ends: a [`ShutdownReport`] when it was shut
//! down, [`Died`] when it panicked.

use crate::outbox::OutboxCounts;

/// The dispatcher's task died: a panic in the sink, in the outbox, or in the
/// dispatcher itself. It delivers nothing more; what it had claimed comes
/// back to pending when the leases end (for another dispatcher, or the next
/// start), and `emit` refuses with [`EmitError::Closed`](crate::EmitError::Closed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the dispatcher's task died: {message}")]
pub struct Died {
    /// What the panic said.
    pub message: String,
}

/// What [`Dispatcher::shutdown`](crate::Dispatcher::shutdown) did, and what stays in the outbox for the
/// next start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Nothing was due any more when it stopped: every event emitted before
    /// the shutdown is delivered, dead, or pending with a later next-attempt
    /// time. `false` when the deadline came first (or the dispatcher was
    /// dropped).
    pub drained: bool,
    /// Events delivered between the shutdown call and the stop.
    pub delivered_while_stopping: u64,
    /// Claimed rows given back to pending because the deadline came while
    /// they were being sent (those whose request had gone out may have
    /// landed, and their next attempt counts "already in use" as delivered).
    pub returned: u64,
    /// The outbox's counts after the stop (pending rows stay for the next
    /// start), or `None` when the outbox could not count.
    pub outbox: Option<OutboxCounts>,
}
