//! [`Forwarder`]: where requests the relay does not serve go (HubSpot's
//! base URL), the HTTP client that takes them, and the budget that paces
//! each account.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Uri;
use timeline_core::RateBudget;

/// How long connecting to HubSpot may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long HubSpot may keep a forwarded request waiting for each part of
/// its answer.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Where and how forwarded requests go.
pub(crate) struct Forwarder {
    /// The HTTP client of forwarded requests.
    http: reqwest::Client,
    /// HubSpot's base URL, without a trailing `/`.
    base_url: String,
    /// The budget that paces each account.
    budget: Arc<dyn RateBudget>,
}

impl Forwarder {
    /// Forwards to `base_url` under `budget`.
    pub(crate) fn new(base_url: &str, budget: Arc<dyn RateBudget>) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Forwarder { http, base_url: base_url.trim_end_matches('/').to_owned(), budget })
    }

    /// HubSpot's URL of a request to the relay's `uri`.
    pub(crate) fn url(&self, uri: &Uri) -> String {
        let path = uri.path_and_query().map_or("/", |path| path.as_str());
        format!("{}{path}", self.base_url)
    }

    /// The HTTP client of forwarded requests.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The budget that paces each account.
    pub(crate) fn budget(&self) -> &dyn RateBudget {
        self.budget.as_ref()
    }
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}
