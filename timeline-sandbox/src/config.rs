//! What a running sandbox was configured with, as its builder left it.

use std::fmt;
use std::time::Duration;

use crate::duplicates::DuplicateIds;
use timeline_core::RateLimit;

/// Everything a running sandbox was configured with.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) app_id: Option<i32>,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) daily_limit: Option<u64>,
    pub(crate) max_batch_inputs: usize,
    pub(crate) max_app_event_batch_inputs: usize,
    pub(crate) app_event_conflicts_name_ids: bool,
    pub(crate) app_event_project: Option<String>,
    pub(crate) max_body_bytes: usize,
    pub(crate) reject_invalid_batches: bool,
    pub(crate) duplicate_ids: DuplicateIds,
    pub(crate) latency: Duration,
    pub(crate) oauth_client: Option<(String, String)>,
    pub(crate) access_token_ttl: Duration,
}

/// Shows the settings but not the OAuth client secret.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("app_id", &self.app_id)
            .field("rate_limit", &self.rate_limit)
            .field("daily_limit", &self.daily_limit)
            .field("max_batch_inputs", &self.max_batch_inputs)
            .field("max_app_event_batch_inputs", &self.max_app_event_batch_inputs)
            .field("app_event_conflicts_name_ids", &self.app_event_conflicts_name_ids)
            .field("app_event_project", &self.app_event_project)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("reject_invalid_batches", &self.reject_invalid_batches)
            .field("duplicate_ids", &self.duplicate_ids)
            .field("latency", &self.latency)
            .field("oauth_client_id", &self.oauth_client.as_ref().map(|(id, _)| id))
            .field("access_token_ttl", &self.access_token_ttl)
            .finish_non_exhaustive()
    }
}
