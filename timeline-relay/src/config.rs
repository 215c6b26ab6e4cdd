//! [`RelaySettings`]: how long an answer waits for delivery and how large a
//! request may be, with their named defaults.

use std::time::Duration;

/// The default longest wait of a request for its inputs to settle (delivered
/// or dead) before the relay answers with `status: PENDING`.
/// A few seconds: HubSpot answers a batch in well under a second, and the
/// dispatcher's linger and the account's budget add a little.
pub const DEFAULT_ACK_WAIT: Duration = Duration::from_secs(3);

/// The default largest request body, in bytes (the sandbox's limit too);
/// a larger body gets `413` and nothing of it is stored.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The relay's settings, each with a `DEFAULT_*` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelaySettings {
    /// How long a request waits for its inputs to settle before a pending answer.
    pub ack_wait: Duration,
    /// The largest request body, in bytes.
    pub max_body_bytes: usize,
}

impl Default for RelaySettings {
    fn default() -> Self {
        RelaySettings { ack_wait: DEFAULT_ACK_WAIT, max_body_bytes: DEFAULT_MAX_BODY_BYTES }
    }
}
