//! [`Error`]: why a [`RedisRateBudget`](crate::RedisRateBudget) was not
//! built, or handed out no permit. It never holds the Redis URL or its
//! password.

use std::path::PathBuf;
use std::time::Duration;

/// Why [`RedisRateBudgetBuilder::build`](crate::RedisRateBudgetBuilder::build)
/// failed (`Config`, `CaFile`, `Redis`), or why a
/// [`RedisRateBudget`](crate::RedisRateBudget) handed out no permit
/// (`ReadOnly`, `NoPermission`, `OutOfMemory`, `Script`).
///
/// A permit's refusal comes when Redis answered, and its answer was a
/// refusal that waiting for it would not cure. (While Redis does not answer
/// at all, the budget follows its [`OnUnreachable`](crate::OnUnreachable)
/// policy instead.) The client's call stops with
/// [`Error::RateBudget`](timeline_core::Error::RateBudget), whose source is
/// this error, and its events fail unsent; a dispatcher keeps them and
/// tries again after its backoff.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is missing or out of bounds.
    #[error("invalid Redis budget configuration: {0}")]
    Config(String),
    /// The CA file given to
    /// [`ca_file`](crate::RedisRateBudgetBuilder::ca_file) could not be read.
    #[error("cannot read the Redis CA file {}: {source}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The first connection to Redis failed: unreachable, a refused
    /// password, or a TLS handshake that failed (a server certificate the
    /// trusted CAs did not sign, a server that does not speak TLS).
    #[error("cannot connect to Redis: {0}")]
    Redis(#[source] redis::RedisError),

    /// The server answered READONLY (it is a replica, as after a failover)
    /// for longer than the builder's
    /// [`failover_grace`](crate::RedisRateBudgetBuilder::failover_grace):
    /// the budget tried again meanwhile (over a new connection, when built
    /// from a URL), and no writable server answered.
    #[error(
        "Redis answered READONLY for {waited:?}: the budget's server is a read-only replica and no \
         failover made a writable one answer in that time ({detail})"
    )]
    ReadOnly {
        /// How long the budget tried.
        waited: Duration,
        /// Redis's answer.
        detail: String,
    },
    /// The server refused the budget's user (NOPERM from an ACL, or a
    /// refused login): the user needs `EVALSHA`, `SCRIPT LOAD` and the
    /// commands the script calls on the keys under the budget's prefix.
    #[error("Redis refused the budget's user its commands or keys ({detail})")]
    NoPermission {
        /// Redis's answer.
        detail: String,
    },
    /// The server is at its `maxmemory` and its eviction policy frees
    /// nothing (OOM).
    #[error("Redis is out of memory and refuses writes ({detail})")]
    OutOfMemory {
        /// Redis's answer.
        detail: String,
    },
    /// The budget's script failed, or answered what the budget cannot
    /// read: a key under the budget's prefix of another type (written by
    /// someone else), or another error of the script.
    #[error("the budget's Redis script failed ({detail})")]
    Script {
        /// Redis's answer.
        detail: String,
    },
}
