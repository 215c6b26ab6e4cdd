//! The settings a dispatcher runs with, once its builder checked them.

use std::time::Duration;

use timeline_core::RetryPolicy;

/// The sizes and times a dispatcher runs with.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) batch_size: usize,
    pub(crate) linger: Duration,
    pub(crate) lease: Duration,
    pub(crate) batch_timeout: Duration,
    pub(crate) batches_per_account: usize,
    pub(crate) rows_under_way: usize,
    pub(crate) max_undelivered: u64,
    pub(crate) backoff: RetryPolicy,
    pub(crate) poll_interval: Duration,
    pub(crate) retention: Duration,
}
