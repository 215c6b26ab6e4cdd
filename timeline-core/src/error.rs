//! Errors that keep one event from being encoded.

use chrono::{DateTime, Utc};

/// Why one event could not be turned into a request input.
///
/// These are per-event failures: the encoder reports them for the event at
/// hand and the rest of a batch goes on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A float token was NaN or infinite.
    #[error(
        "token `{token}` is {value}, which is not a finite number: HubSpot number tokens take finite decimal values only"
    )]
    NonFiniteNumber {
        /// The token's name.
        token: &'static str,
        /// The offending value.
        value: f64,
    },
    /// The event named no record.
    #[error("the event names no record: give it an object id, an email or a utk")]
    NoTarget,
    /// The timestamp cannot be written as RFC 3339.
    #[error("timestamp {0} is outside the years 0000 to 9999 that RFC 3339 can express")]
    TimestampOutOfRange(DateTime<Utc>),
    /// The extra data serialized to something other than a JSON object.
    #[error("extraData must serialize to a JSON object, but this event's is {found}")]
    ExtraDataNotObject {
        /// What it serialized to: "an array", "a string", ….
        found: &'static str,
    },
    /// The id the event brings cannot be sent (see
    /// [`check_event_id`](crate::check_event_id)).
    #[error("the event's id cannot be used: {problem}")]
    InvalidId {
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The extra data could not be serialized.
    #[error("extraData could not be serialized to JSON: {0}")]
    ExtraData(String),
    /// The event names its record by `email` or `utk`, which identify
    /// contacts, but its template is for another object type.
    #[error(
        "the event sends `{field}`, which identifies a contact, but its template is for {object_type}; \
         name the record with an object id instead"
    )]
    ContactTargetOnOtherObject {
        /// `"email"` or `"utk"`.
        field: &'static str,
        /// The template's object type, such as `deals`.
        object_type: &'static str,
    },
}

/// What stops a client call.
///
/// Failures of single events (a rejected token, a batch that failed after
/// its retries) are not errors: they are data in the
/// [`SendReport`](crate::SendReport).
#[cfg(feature = "client")]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly.
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// HubSpot answered 401: it refused the credentials (for OAuth, also
    /// after renewing the access token once). The call stops; in a send,
    /// the refused batch's events fail with
    /// [`FailureReason::Rejected`](crate::FailureReason::Rejected) of status 401.
    ///
    /// A 403 (the token lacks a scope the call needs) is not this error: a
    /// send goes on and its events fail with `Rejected` of status 403; a
    /// template call ends in [`Error::Api`] of status 403.
    #[error("HubSpot refused the credentials ({status}): {message}")]
    AuthenticationRefused {
        /// The HTTP status.
        status: u16,
        /// HubSpot's message.
        message: String,
    },
    /// The OAuth access token could not be renewed.
    #[error("the OAuth access token could not be renewed: {0}")]
    TokenRefresh(String),
    /// The call's overall time limit passed.
    #[error("the call did not finish within its overall time limit of {0:?}")]
    Deadline(std::time::Duration),
    /// A template call was answered with an error.
    #[error("HubSpot answered {status}: {message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// HubSpot's error category, such as `VALIDATION_ERROR`.
        category: String,
        /// HubSpot's message.
        message: String,
    },
    /// A template call failed in transport, after its retries.
    #[error("the request failed in transport: {0}")]
    Transport(String),
    /// A template call's answer could not be read.
    #[error("the response could not be read: {0}")]
    ResponseUnreadable(String),
    /// A template or token create may have been carried out, but no answer
    /// says so (no answer, or a 500/502/504): it is not repeated, since a
    /// second attempt could create a second one.
    #[error("not confirmed: {0}")]
    Unconfirmed(String),
}
