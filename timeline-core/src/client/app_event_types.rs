//! `POST …/types/projects`: the fully-qualified name of an app-event type,
//! from the developer-platform project that defines it.

use crate::AccountId;
use bytes::Bytes;
use reqwest::Method;
use tracing::Instrument;

use super::Client;
use super::exchange::{CallState, Credentials, End, Exchanged, LastFailure, Outgoing, Repeat, error_message, within};
use crate::error::Error;
use crate::wire::{AppEventResolutionResponse, ExternalAppEventResolutionRequest};

impl Client {
    /// The fully-qualified name of the app-event type `developer_symbol`
    /// (its definition's `uid`) of the project `project_name`, usable as an
    /// occurrence's `eventTypeName` (`POST /integrators/timeline/2026-03/types/projects`,
    /// or the `/v4/` path under [`AppEventsApi::V4`](super::AppEventsApi::V4);
    /// HubSpot wants the `developers-read` scope).
    ///
    /// Unknown coordinates are an [`Error::Api`] with status 404. The
    /// request only reads, so it is retried like event batches.
    ///
    /// ```no_run
    /// # async fn run(client: timeline_core::Client) -> Result<(), timeline_core::Error> {
    /// let resolved = client.resolve_app_event_type("webinar_registered", "webinars").await?;
    /// println!("send occurrences as {}", resolved.fully_qualified_name);
    /// # Ok(()) }
    /// ```
    pub async fn resolve_app_event_type(
        &self,
        developer_symbol: &str,
        project_name: &str,
    ) -> Result<AppEventResolutionResponse, Error> {
        let inner = &*self.inner;
        let request = ExternalAppEventResolutionRequest {
            developer_symbol: developer_symbol.to_owned(),
            project_name: project_name.to_owned(),
        };
        let body = serde_json::to_vec(&request).map_err(|error| Error::config_from("the request body", error))?;
        let version = inner.shared.config.app_events_api.version();
        let outgoing = Outgoing {
            method: Method::POST,
            url: inner.url(["integrators", "timeline", version, "types", "projects"]),
            body: Some(Bytes::from(body)),
            credentials: Credentials::Bearer,
            sent: None,
        };
        let span = tracing::info_span!(
            "timeline.app_event_type",
            account = inner.account.map(AccountId::get),
            developer_symbol
        );
        let call = CallState::new(inner.shared.config.timeouts.attempt());
        let exchange = async { Ok(inner.exchange(outgoing, Repeat::Always, &call).await) };
        let Exchanged { end, attempts, .. } =
            within(inner.shared.config.timeouts.overall(), exchange).instrument(span).await?;
        match end {
            End::Answered(answer) => {
                let body = answer.body.map_err(|error| Error::ResponseUnreadable(error.to_string()))?;
                if answer.status.is_success() {
                    return serde_json::from_slice(&body).map_err(|error| Error::ResponseUnreadable(error.to_string()));
                }
                let error: crate::wire::ApiError = serde_json::from_slice(&body).unwrap_or_default();
                Err(Error::Api {
                    status: answer.status.as_u16(),
                    category: error.category,
                    message: error_message(&body),
                })
            }
            End::Stopped(error) => Err(error),
            End::DailyLimit { message } => Err(Error::Api { status: 429, category: "RATE_LIMIT".into(), message }),
            End::Exhausted(LastFailure::Status { status, message, .. }) => {
                Err(Error::Api { status, category: String::new(), message })
            }
            End::Exhausted(LastFailure::NoAnswer(no_answer)) => Err(Error::Transport {
                message: format!("{} (after {attempts} attempts)", no_answer.reason),
                source: no_answer.source,
            }),
        }
    }
}
