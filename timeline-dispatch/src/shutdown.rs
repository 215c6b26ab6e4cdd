//! How a dispatcher's task ends: a [`ShutdownReport`] when it was shut
//! down, [`Error::Died`] when it panicked.

use crate::Error;
use crate::outbox::OutboxCounts;

/// The dispatcher's task died (a panic), as every waiting `flush` and
/// `shutdown` hears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Died {
    /// What the panic said.
    pub(crate) message: String,
}

impl Died {
    /// The error a caller gets.
    pub(crate) fn to_error(&self) -> Error {
        Error::Died { message: self.message.clone() }
    }
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
