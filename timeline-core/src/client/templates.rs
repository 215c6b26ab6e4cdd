//! The event template and token endpoints of an app.

use crate::AccountId;
use bytes::Bytes;
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::Inner;
use super::exchange::{CallState, Credentials, End, Exchanged, LastFailure, Outgoing, Repeat, within};
use crate::error::Error;
use crate::wire::{
    CollectionResponseTimelineEventTemplateNoPaging, TimelineEventTemplate, TimelineEventTemplateCreateRequest,
    TimelineEventTemplateToken, TimelineEventTemplateTokenUpdateRequest, TimelineEventTemplateUpdateRequest,
};

/// The template and token endpoints of one app, from
/// [`Client::templates`](super::Client::templates).
///
/// Calls use the client's developer key (`hapikey`) when it has one, else
/// its access token. They are paced and retried like event sends.
///
/// ```
/// # async fn run(client: timeline_core::Client) -> Result<(), timeline_core::Error> {
/// let templates = client.templates(123456);
/// let pet_adopted = templates.get("1001298").await?;
/// println!("{} has {} tokens", pet_adopted.name, pet_adopted.tokens.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Templates<'c> {
    inner: &'c Inner,
    app_id: i32,
}

impl<'c> Templates<'c> {
    pub(crate) fn new(inner: &'c Inner, app_id: i32) -> Self {
        Templates { inner, app_id }
    }

    /// Every event template of the app.
    pub async fn list(&self) -> Result<Vec<TimelineEventTemplate>, Error> {
        let list: CollectionResponseTimelineEventTemplateNoPaging = self.call(Method::GET, &[], None::<&()>).await?;
        Ok(list.results)
    }

    /// One template.
    pub async fn get(&self, template_id: &str) -> Result<TimelineEventTemplate, Error> {
        self.call(Method::GET, &[template_id], None::<&()>).await
    }

    /// Creates a template.
    ///
    /// It is not retried after an attempt that may have reached HubSpot (no
    /// answer, a 500/502/504): a second attempt could create a second
    /// template. That ends in [`Error::Unconfirmed`]: list the templates
    /// before creating it again.
    pub async fn create(&self, request: &TimelineEventTemplateCreateRequest) -> Result<TimelineEventTemplate, Error> {
        self.call(Method::POST, &[], Some(request)).await
    }

    /// Updates a template (its object type cannot change).
    pub async fn update(
        &self,
        template_id: &str,
        request: &TimelineEventTemplateUpdateRequest,
    ) -> Result<TimelineEventTemplate, Error> {
        self.call(Method::PUT, &[template_id], Some(request)).await
    }

    /// Deletes a template and, for every account, its events.
    pub async fn delete(&self, template_id: &str) -> Result<(), Error> {
        self.call_empty(Method::DELETE, &[template_id]).await
    }

    /// Adds a token to a template; like [`create`](Self::create), not
    /// retried after an attempt that may have landed.
    pub async fn create_token(
        &self,
        template_id: &str,
        token: &TimelineEventTemplateToken,
    ) -> Result<TimelineEventTemplateToken, Error> {
        self.call(Method::POST, &[template_id, "tokens"], Some(token)).await
    }

    /// Updates a token's label, options or property mapping.
    pub async fn update_token(
        &self,
        template_id: &str,
        token_name: &str,
        request: &TimelineEventTemplateTokenUpdateRequest,
    ) -> Result<TimelineEventTemplateToken, Error> {
        self.call(Method::PUT, &[template_id, "tokens", token_name], Some(request)).await
    }

    /// Removes a token from a template.
    pub async fn delete_token(&self, template_id: &str, token_name: &str) -> Result<(), Error> {
        self.call_empty(Method::DELETE, &[template_id, "tokens", token_name]).await
    }

    fn url(&self, rest: &[&str]) -> Url {
        let app_id = self.app_id.to_string();
        let head = ["integrators", "timeline", "v3", app_id.as_str(), "event-templates"];
        self.inner.url(head.into_iter().chain(rest.iter().copied()))
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        rest: &[&str],
        body: Option<&B>,
    ) -> Result<T, Error> {
        let body = self.send(method, rest, body).await?;
        serde_json::from_slice(&body).map_err(|error| Error::ResponseUnreadable(error.to_string()))
    }

    async fn call_empty(&self, method: Method, rest: &[&str]) -> Result<(), Error> {
        self.send(method, rest, None::<&()>).await.map(drop)
    }

    async fn send<B: Serialize>(&self, method: Method, rest: &[&str], body: Option<&B>) -> Result<Vec<u8>, Error> {
        let body = match body {
            Some(body) => Some(Bytes::from(
                serde_json::to_vec(body)
                    .map_err(|error| Error::config_from(format!("the request body: {error}"), error))?,
            )),
            None => None,
        };
        let credentials =
            if self.inner.shared.developer_key.is_some() { Credentials::DeveloperKey } else { Credentials::Bearer };
        let repeat = if method == Method::POST { Repeat::UntilItMayHaveLanded } else { Repeat::Always };
        let outgoing = Outgoing { method: method.clone(), url: self.url(rest), body, credentials, sent: None };
        let span = tracing::info_span!("timeline.templates", account = self.inner.account.map(AccountId::get), method = %method, app_id = self.app_id);
        let call = CallState::new(self.inner.shared.config.timeouts.attempt());
        let exchange = async { Ok(self.inner.exchange(outgoing, repeat, &call).await) };
        let Exchanged { end, attempts, may_have_landed } =
            within(self.inner.shared.config.timeouts.overall(), exchange).instrument(span).await?;
        let unconfirmed = |what: String| {
            Error::Unconfirmed(format!(
                "{what}; an attempt may have reached HubSpot, so what it asked for may exist: check before repeating it"
            ))
        };
        match end {
            End::Answered(answer)
                if may_have_landed && repeat == Repeat::UntilItMayHaveLanded && !answer.status.is_success() =>
            {
                Err(unconfirmed(format!("HubSpot answered {}", answer.status.as_u16())))
            }
            End::Answered(answer) => {
                let body = answer.body.map_err(|error| Error::ResponseUnreadable(error.to_string()))?;
                if answer.status.is_success() {
                    return Ok(body);
                }
                let error: crate::wire::ApiError = serde_json::from_slice(&body).unwrap_or_default();
                Err(Error::Api {
                    status: answer.status.as_u16(),
                    category: error.category,
                    message: super::exchange::error_message(&body),
                })
            }
            End::Stopped(error) => Err(error),
            End::DailyLimit { message } => Err(Error::Api { status: 429, category: "RATE_LIMIT".into(), message }),
            End::Exhausted(last) if may_have_landed && repeat == Repeat::UntilItMayHaveLanded => {
                let what = match last {
                    LastFailure::Status { status, .. } => format!("HubSpot answered {status}"),
                    LastFailure::NoAnswer(no_answer) => no_answer.reason,
                };
                Err(unconfirmed(what))
            }
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
