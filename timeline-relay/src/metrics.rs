//! `GET /metrics` in Prometheus' text format (the `metrics` feature): what
//! the process's recorder of the `metrics` facade holds — the dispatcher's
//! counters, gauges and histograms (`timeline_dispatch_*`) and the relay's
//! own — plus, at each scrape, each account's rows for the
//! [`LABELLED_ACCOUNTS`] accounts with the most, the rest summed as
//! `account="other"`.
//!
//! | name | kind | what |
//! |---|---|---|
//! | `timeline_relay_requests_total{route, status}` | counter | requests answered, by route (`forwarded` for those sent to HubSpot) and status |
//! | `timeline_relay_answer_seconds{route}` | histogram | time from a request to its answer |
//! | `timeline_relay_account_undelivered{account}` | gauge | an account's pending and claimed rows |
//! | `timeline_relay_account_dead{account}` | gauge | an account's dead letters |
//! | `timeline_relay_account_oldest_undelivered_seconds{account}` | gauge | the age of an account's oldest undelivered row (labelled accounts only) |
//!
//! When the relay has a [console](crate::Console), `/metrics` asks for its
//! admin or read-only token as `Authorization: Bearer` (a scraper's
//! `bearer_token`; give it the read-only one); without a console it is open.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;
use timeline_core::AccountId;
use timeline_dispatch::{AccountCounts, Outbox};

use crate::console::Console;
use crate::error::Error;

/// How many accounts get a label of their own in the per-account gauges.
pub const LABELLED_ACCOUNTS: usize = 20;

/// How long a gauge nobody sets stays in the output (an account that left
/// the labelled ones).
const GAUGE_IDLE: Duration = Duration::from_secs(5 * 60);

/// The buckets of the relay's answer latency, in seconds: an answer waits
/// for delivery up to the ack wait.
const ANSWER_BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The label of the accounts without one of their own.
const OTHER: &str = "other";

/// The process's Prometheus recorder: installed as the `metrics` facade's
/// global recorder at the first call, the same handle at every later call.
/// Fails when another recorder was installed first (serve that one's output
/// instead).
///
/// ```
/// let handle = timeline_relay::prometheus_recorder()?;
/// metrics::counter!("doc_example_total").increment(1);
/// assert!(handle.render().contains("doc_example_total 1"));
/// # Ok::<(), timeline_relay::Error>(())
/// ```
pub fn prometheus_recorder() -> Result<PrometheusHandle, Error> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _installing = INSTALLING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets(&ANSWER_BUCKETS)
        .map_err(|error| Error::Metrics(error.to_string()))?
        .idle_timeout(MetricKindMask::GAUGE, Some(GAUGE_IDLE))
        .install_recorder()
        .map_err(|error| Error::Metrics(format!("could not install the Prometheus recorder: {error}")))?;
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// What `/metrics` needs.
struct Scrape {
    handle: PrometheusHandle,
    console: Option<Console>,
    outbox: Arc<dyn Outbox>,
    /// The accounts labelled at the last scrape.
    labelled: Mutex<HashSet<AccountId>>,
}

/// The `/metrics` route over `handle`'s recorder and `outbox`, asking for
/// `console`'s tokens when there is a console.
pub(crate) fn router(handle: PrometheusHandle, console: Option<Console>, outbox: Arc<dyn Outbox>) -> Router {
    let scrape = Scrape { handle, console, outbox, labelled: Mutex::default() };
    Router::new().route("/metrics", get(scrape_metrics)).with_state(Arc::new(scrape))
}

/// Counts every request the relay answers and measures its answer time,
/// labelled by its route.
pub(crate) async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("forwarded", MatchedPath::as_str).to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("timeline_relay_requests_total", "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("timeline_relay_answer_seconds", "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
async fn scrape_metrics(State(scrape): State<Arc<Scrape>>, headers: axum::http::HeaderMap) -> Response {
    if let Some(console) = &scrape.console
        && !console.accepts_bearer(&headers)
    {
        let mut refused = (StatusCode::UNAUTHORIZED, "Send the console's read-only or admin token as a bearer token.")
            .into_response();
        refused.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return refused;
    }
    if let Err(error) = account_gauges(&scrape).await {
        tracing::warn!(%error, "the per-account gauges could not be read from the outbox");
    }
    scrape.handle.run_upkeep();
    let mut response = scrape.handle.render().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    response
}

/// Sets the per-account gauges: the accounts with the most rows by name,
/// the rest as `other`; an account that left the labelled ones reads 0
/// until its gauges age out.
async fn account_gauges(scrape: &Scrape) -> Result<(), timeline_dispatch::Error> {
    let now = SystemTime::now();
    let (accounts, (other_undelivered, other_dead)) = top_accounts(scrape.outbox.account_counts(now).await?);
    let ages = accounts
        .iter()
        .map(|counts| counts.oldest_undelivered.and_then(|oldest| now.duration_since(oldest).ok()).unwrap_or_default());
    let labelled: HashSet<AccountId> = accounts.iter().map(|counts| counts.account).collect();
    let mut previous = scrape.labelled.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for gone in previous.difference(&labelled) {
        set_account(&gone.to_string(), 0, 0, Some(Duration::ZERO));
    }
    for (counts, age) in accounts.iter().zip(ages) {
        set_account(&counts.account.to_string(), counts.undelivered(), counts.dead, Some(age));
    }
    set_account(OTHER, other_undelivered, other_dead, None);
    *previous = labelled;
    Ok(())
}

/// The [`LABELLED_ACCOUNTS`] accounts with the most undelivered and dead
/// rows, and the undelivered and dead rows of the others.
fn top_accounts(mut accounts: Vec<AccountCounts>) -> (Vec<AccountCounts>, (u64, u64)) {
    accounts.sort_by_key(|counts| (std::cmp::Reverse(counts.undelivered() + counts.dead), counts.account));
    let rest = accounts.split_off(accounts.len().min(LABELLED_ACCOUNTS));
    let other = rest
        .iter()
        .fold((0, 0), |(undelivered, dead), counts| (undelivered + counts.undelivered(), dead + counts.dead));
    (accounts, other)
}

/// Sets one label's gauges.
fn set_account(account: &str, undelivered: u64, dead: u64, oldest: Option<Duration>) {
    let label = account.to_owned();
    metrics::gauge!("timeline_relay_account_undelivered", "account" => label.clone()).set(undelivered as f64);
    metrics::gauge!("timeline_relay_account_dead", "account" => label.clone()).set(dead as f64);
    if let Some(oldest) = oldest {
        metrics::gauge!("timeline_relay_account_oldest_undelivered_seconds", "account" => label)
            .set(oldest.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accounts_with_the_most_rows_are_labelled_and_the_rest_summed() {
        let accounts: Vec<AccountCounts> = (1..=LABELLED_ACCOUNTS as u64 + 5)
            .map(|account| AccountCounts { pending: account, dead: 1, ..AccountCounts::none(account.into()) })
            .collect();
        let (top, other) = top_accounts(accounts);
        assert_eq!(top.len(), LABELLED_ACCOUNTS);
        assert_eq!(top[0].account, AccountId::from(LABELLED_ACCOUNTS as u64 + 5), "the fullest first");
        assert_eq!(other, (1 + 2 + 3 + 4 + 5, 5), "the five emptiest, summed");
    }
}
