//! Errors that keep one event from being encoded.

use chrono::{DateTime, Utc};

/// Why one event could not be turned into a request input.
///
/// These are per-event failures: the encoder reports them for the event at
/// hand and the rest of a batch goes on.
///
/// ```
/// let error = timeline_core::EncodeError::NoTarget;
/// assert!(error.to_string().contains("names no record"));
/// ```
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
    /// A v3 timeline event names an object type by its fully-qualified
    /// name ([`Target::object_type`](crate::Target::object_type)), which
    /// only app events carry.
    #[error(
        "the event names the object type `{object_type}`, which only app events carry; \
         a v3 timeline event's object type is its template's"
    )]
    ObjectTypeOnTimelineEvent {
        /// The object type it names.
        object_type: String,
    },
    /// The event is of another kind than the wire model asked for
    /// ([`to_wire`](crate::to_wire) builds v3 inputs,
    /// [`to_app_event_wire`](crate::to_app_event_wire) app-event occurrences).
    #[error("the event is of kind `{kind}`, and the wire model asked for is of kind `{wanted}`")]
    OtherKind {
        /// The event's kind.
        kind: crate::EventKind,
        /// The kind the wire model is of.
        wanted: crate::EventKind,
    },
}

/// What stops a client call.
///
/// Failures of single events (a rejected token, a batch that failed after
/// its retries) are not errors: they are data in the
/// [`SendReport`](crate::SendReport).
///
/// `Config` and `Transport` keep the error underneath, when there is one:
/// [`source`](std::error::Error::source) returns it, so it can be
/// downcast (a `reqwest::Error` for transport, a `serde_json::Error` for a
/// template file, …). The message of every variant is complete on its own,
/// for logs that print only `Display`. Errors compare equal when their
/// variants, fields and the messages of their sources are equal.
///
/// ```
/// use std::error::Error as _;
/// let missing = std::env::temp_dir().join("timeline-doc-no-such-folder");
/// let error = timeline_core::Client::builder().access_token("t").templates_from_dir(missing).build().unwrap_err();
/// assert!(matches!(&error, timeline_core::Error::Config { message, .. } if message.contains("template folder")));
/// assert!(error.source().is_some_and(|source| source.is::<std::io::Error>()));
/// ```
#[cfg(feature = "client")]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly.
    Config {
        /// What is wrong, naming the setting.
        message: String,
        /// The error underneath, such as a URL that does not parse.
        source: Option<ErrorSource>,
    },
    /// HubSpot answered 401: it refused the credentials (for OAuth, also
    /// after renewing the access token once). The call stops; in a send,
    /// the refused batch's events fail with
    /// [`FailureReason::Rejected`](crate::FailureReason::Rejected) of status 401.
    ///
    /// A 403 (the token lacks a scope the call needs) is not this error: a
    /// send goes on and its events fail with `Rejected` of status 403; a
    /// template call ends in [`Error::Api`] of status 403.
    AuthenticationRefused {
        /// The HTTP status.
        status: u16,
        /// HubSpot's message.
        message: String,
    },
    /// The OAuth access token could not be renewed.
    TokenRefresh(String),
    /// The token endpoint answered `invalid_grant` to the refresh token of
    /// the account `account`: the account uninstalled the app (or its grant
    /// was revoked). Its events fail with
    /// [`FailureReason::InstallRevoked`](crate::FailureReason::InstallRevoked);
    /// the app's other accounts go on. Installing again
    /// ([`App::install`](crate::App::install)) clears it.
    InstallRevoked {
        /// The account.
        account: crate::AccountId,
    },
    /// An install could not be completed ([`App::install`](crate::App::install)):
    /// the token endpoint refused the authorization code (used already,
    /// expired, or for another redirect URI), or HubSpot did not say which
    /// account the tokens belong to.
    Install(String),
    /// [`App::introspect`](crate::App::introspect) got no answer about the
    /// token (the call failed or was refused, such as for the app's own
    /// credentials); an unknown token is not this error.
    Introspection(String),
    /// [`App::uninstall`](crate::App::uninstall) could not revoke the
    /// account's refresh token at HubSpot; nothing was forgotten.
    Uninstall(String),
    /// The app's [`TokenStore`](crate::TokenStore) holds no tokens for the
    /// account `account`: it never installed the app.
    NotInstalled {
        /// The account.
        account: crate::AccountId,
    },
    /// The access token of the account `account` expired (or HubSpot
    /// refused it) and the token store holds no refresh token to renew it:
    /// the store was given an access token alone
    /// ([`App::save_access_token`](crate::App::save_access_token), a static
    /// token). Its events wait, unsent, until a new access token is saved.
    NoRefreshToken {
        /// The account.
        account: crate::AccountId,
    },
    /// The app's [`TokenStore`](crate::TokenStore) failed to load or save
    /// the tokens of the account `account`.
    TokenStore {
        /// The account.
        account: crate::AccountId,
        /// What failed.
        message: String,
        /// The store's error.
        source: Option<ErrorSource>,
    },
    /// The call's overall time limit passed.
    Deadline(std::time::Duration),
    /// The step a caller asked to run before a batch's first request goes
    /// out ([`SendAllBuilder::before_send`](crate::SendAllBuilder::before_send))
    /// failed, so the batch was not sent.
    BeforeSend(String),
    /// The caller stopped the call ([`DeliverBuilder::stop_when`](crate::DeliverBuilder::stop_when)).
    Stopped,
    /// The [`RateBudget`](crate::RateBudget) handed out no permit (its
    /// shared store refused it), so the request was not sent; the source is
    /// the budget's own error. In a send, the batch's events fail
    /// [`NotSent`](crate::FailureReason::NotSent).
    RateBudget {
        /// The budget's error, as text.
        message: String,
        /// The budget's error.
        source: Option<ErrorSource>,
    },
    /// A template call (or an app-event type resolution) was answered with an error.
    Api {
        /// The HTTP status.
        status: u16,
        /// HubSpot's error category, such as `VALIDATION_ERROR`.
        category: String,
        /// HubSpot's message.
        message: String,
    },
    /// A template call (or an app-event type resolution) failed in transport, after its retries.
    Transport {
        /// What happened, without URLs or secrets.
        message: String,
        /// The last attempt's error, when the HTTP client gave one (a
        /// `reqwest::Error`, its URL removed).
        source: Option<ErrorSource>,
    },
    /// A template call's answer could not be read.
    ResponseUnreadable(String),
    /// A template or token create may have been carried out, but no answer
    /// says so (no answer, or a 500/502/504): it is not repeated, since a
    /// second attempt could create a second one.
    Unconfirmed(String),
}

#[cfg(feature = "client")]
impl Error {
    /// A configuration error with no error underneath.
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config { message: message.into(), source: None }
    }

    /// A [`RateBudget`](crate::RateBudget)'s refusal.
    pub(crate) fn rate_budget(error: crate::BudgetError) -> Self {
        Error::RateBudget { message: error.to_string(), source: Some(ErrorSource::boxed(error)) }
    }

    /// A configuration error caused by `source`.
    pub(crate) fn config_from(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Config { message: message.into(), source: Some(ErrorSource::new(source)) }
    }
}

#[cfg(feature = "client")]
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Config { message, .. } => write!(f, "invalid client configuration: {message}"),
            Error::AuthenticationRefused { status, message } => {
                write!(f, "HubSpot refused the credentials ({status}): {message}")
            }
            Error::TokenRefresh(message) => write!(f, "the OAuth access token could not be renewed: {message}"),
            Error::InstallRevoked { account } => {
                write!(f, "the install of account {account} is revoked: the token endpoint refused its refresh token")
            }
            Error::Install(message) => write!(f, "the install could not be completed: {message}"),
            Error::Introspection(message) => write!(f, "the token could not be introspected: {message}"),
            Error::Uninstall(message) => write!(f, "the refresh token could not be revoked: {message}"),
            Error::NotInstalled { account } => write!(f, "account {account} has no tokens in the token store"),
            Error::NoRefreshToken { account } => write!(
                f,
                "the access token of account {account} expired or was refused, and the token store holds no \
                 refresh token to renew it"
            ),
            Error::TokenStore { account, message, .. } => {
                write!(f, "the token store failed for account {account}: {message}")
            }
            Error::Deadline(limit) => write!(f, "the call did not finish within its overall time limit of {limit:?}"),
            Error::BeforeSend(message) => write!(f, "the step before sending the batch failed: {message}"),
            Error::Stopped => write!(f, "the caller stopped the call"),
            Error::RateBudget { message, .. } => write!(f, "the rate budget handed out no permit: {message}"),
            Error::Api { status, message, .. } => write!(f, "HubSpot answered {status}: {message}"),
            Error::Transport { message, .. } => write!(f, "the request failed in transport: {message}"),
            Error::ResponseUnreadable(message) => write!(f, "the response could not be read: {message}"),
            Error::Unconfirmed(message) => write!(f, "not confirmed: {message}"),
        }
    }
}

#[cfg(feature = "client")]
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Config { source, .. }
            | Error::Transport { source, .. }
            | Error::TokenStore { source, .. }
            | Error::RateBudget { source, .. } => {
                source.as_ref().map(|source| source.get() as &(dyn std::error::Error + 'static))
            }
            _ => None,
        }
    }
}

/// The error underneath an [`Error`], shared so that `Error` stays `Clone`.
/// Two compare equal when their messages do.
///
/// ```
/// # fn show(error: &timeline_core::Error) {
/// if let timeline_core::Error::Transport { source: Some(source), .. } = error {
///     eprintln!("underneath: {source}");
/// }
/// # }
/// ```
#[cfg(feature = "client")]
#[derive(Clone)]
pub struct ErrorSource(std::sync::Arc<dyn std::error::Error + Send + Sync>);

#[cfg(feature = "client")]
impl ErrorSource {
    /// Keeps `error`.
    pub(crate) fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        ErrorSource(std::sync::Arc::new(error))
    }

    /// Keeps an error already boxed.
    pub(crate) fn boxed(error: Box<dyn std::error::Error + Send + Sync>) -> Self {
        ErrorSource(std::sync::Arc::from(error))
    }

    /// The error itself, to downcast or to walk its own sources.
    ///
    /// ```
    /// let missing = std::env::temp_dir().join("timeline-doc-no-such-folder");
    /// let error = timeline_core::Client::builder().access_token("t").templates_from_dir(missing).build().unwrap_err();
    /// let timeline_core::Error::Config { source: Some(source), .. } = error else { panic!("{error:?}") };
    /// let io = source.get().downcast_ref::<std::io::Error>().unwrap();
    /// assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    /// ```
    pub fn get(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

#[cfg(feature = "client")]
impl std::fmt::Debug for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

#[cfg(feature = "client")]
impl std::fmt::Display for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

#[cfg(feature = "client")]
impl PartialEq for ErrorSource {
    fn eq(&self, other: &ErrorSource) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}
