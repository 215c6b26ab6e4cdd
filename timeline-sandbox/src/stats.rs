//! Counters of what the sandbox received and answered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the sandbox has seen since it started or was last reset.
///
/// Requests to the `/_sandbox` inspection routes are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Stats {
    /// Requests received.
    pub requests: u64,
    /// Answers sent, by HTTP status code.
    pub responses_by_status: BTreeMap<u16, u64>,
    /// Connections closed on purpose without an answer ([`crate::Fault::CloseAfterStore`]).
    pub connections_closed: u64,
    /// Event inputs received in well-formed create and batch-create bodies.
    pub inputs_received: u64,
    /// Event inputs stored, new or replacing an event with their id
    /// ([`crate::DuplicateIds::Replace`]).
    pub inputs_stored: u64,
    /// Re-sent event inputs identical to a stored event, answered as created
    /// and not stored again ([`crate::DuplicateIds::AcceptIdentical`]).
    pub inputs_identical: u64,
    /// Event inputs not stored: invalid, refused as "already in use", or
    /// refused with their whole batch.
    pub inputs_rejected: u64,
    /// Requests refused with 429 by the rate limiter (injected 429s are faults).
    pub rate_limited: u64,
    /// Faults injected, other than [`crate::Fault::Pass`].
    pub faults_injected: u64,
    /// Access tokens issued by the OAuth endpoint.
    pub tokens_issued: u64,
}

impl Stats {
    /// How many answers had this status.
    pub fn status_count(&self, status: u16) -> u64 {
        self.responses_by_status.get(&status).copied().unwrap_or(0)
    }
}
