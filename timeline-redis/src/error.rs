//! [`BuildError`]: why a [`RedisRateBudget`](crate::RedisRateBudget) was not built.

/// Why [`RedisRateBudgetBuilder::build`](crate::RedisRateBudgetBuilder::build) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A setting is missing or out of bounds.
    #[error("invalid Redis budget configuration: {0}")]
    Config(String),
    /// The first connection to Redis failed.
    #[error("cannot connect to Redis: {0}")]
    Redis(#[source] redis::RedisError),
}
