//! The serde model of every request and response body of HubSpot's timeline
//! v3 events and event-template endpoints, of its app-event endpoints
//! ([`AppEventOccurrence`] and the batch and resolution bodies), and of the
//! OAuth endpoints (the token answer of v1 and 2026-03, and 2026-03's
//! introspection, [`TokenInfoResponse`]).
//!
//! Field names follow HubSpot's JSON (camelCase, `timelineIFrame`, `in`).
//! Responses tolerate unknown fields, and the fields HubSpot's error guide
//! says may be missing default instead of failing.
//!
//! The response types are `#[non_exhaustive]`, so that a field HubSpot adds
//! is not a breaking change: read their public fields; to build one (a test
//! server's answer), start from its `new` or `Default` and set the fields.
//! The request types and the template types (which template files and
//! template updates are made of) stay open to struct expressions.
//!
//! ```
//! use timeline_core::wire::{BatchResponseTimelineEventResponseWithErrors, BatchStatus};
//!
//! let body = r#"{"status":"COMPLETE","results":[],"numErrors":1,
//!   "errors":[{"status":"error","category":"VALIDATION_ERROR","message":"bad token",
//!              "context":{"id":["e-1"]},"links":{},"errors":[{"message":"x","in":"tokens.a"}]}],
//!   "startedAt":"2026-05-04T09:20:01.140Z","completedAt":"2026-05-04T09:20:01.655Z"}"#;
//! let batch: BatchResponseTimelineEventResponseWithErrors = serde_json::from_str(body).unwrap();
//! assert_eq!(batch.status, BatchStatus::Complete);
//! assert_eq!(batch.errors[0].errors[0].in_.as_deref(), Some("tokens.a"));
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use timeline_template::{Definition, Origin, Token, TokenOption};

use crate::token::TokenKind;

mod app_events;
mod oauth;

pub use app_events::{
    AppEventOccurrence, AppEventResolutionResponse, BatchInputAppEventOccurrence, BatchResponseAppEventOccurrence,
    DeveloperQualifiedSymbol, ExternalAppEventResolutionRequest,
};
pub use oauth::{
    AccessTokenResponse, ClientCredentialsTokenResponse, PublicAccessTokenInfoResponse, PublicRefreshTokenInfoResponse,
    SignedAccessToken, TokenInfoResponse,
};

/// One event to create: the body of the single-create endpoint and an item
/// of a batch's `inputs` (HubSpot's schema calls it `TimelineEvent`, the
/// name of this crate's trait of typed events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEventInput {
    /// The event template id.
    pub event_template_id: String,
    /// The event's id, unique per app and template; HubSpot makes one if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Token values by token name.
    pub tokens: BTreeMap<String, String>,
    /// The CRM record id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// A contact's email (contact templates only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A contact's `hubspotutk` cookie value (contact templates only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utk: Option<String>,
    /// The domain that goes with `utk`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// When the event happened, written as RFC 3339 with milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "rfc3339_millis")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Free-form data for the template's detail view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_data: Option<Map<String, Value>>,
    /// A link that opens an iframe.
    #[serde(default, rename = "timelineIFrame", skip_serializing_if = "Option::is_none")]
    pub timeline_i_frame: Option<TimelineEventIFrame>,
    /// The custom object type (undocumented by HubSpot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_object_type_id: Option<String>,
}

/// A link on the event that opens a modal iframe; every field is required.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEventIFrame {
    /// The link's text.
    pub link_label: String,
    /// The modal's title.
    pub header_label: String,
    /// The iframe's source URL.
    pub url: String,
    /// The iframe's width in pixels.
    pub width: i32,
    /// The iframe's height in pixels.
    pub height: i32,
}

/// The body of batch create: `{"inputs": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInputTimelineEvent {
    /// The events to create.
    pub inputs: Vec<TimelineEventInput>,
}

/// A stored event, as create, batch create and get return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimelineEventResponse {
    /// The event's id.
    pub id: String,
    /// The template's object type, such as `contacts`.
    pub object_type: String,
    /// The event template id.
    pub event_template_id: String,
    /// Token values; HubSpot echoes them as strings, numbers are accepted too.
    #[serde(default, deserialize_with = "lenient_string_map")]
    pub tokens: BTreeMap<String, String>,
    /// The CRM record id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// The contact's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The contact's utk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utk: Option<String>,
    /// The domain that went with the utk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// When the event happened.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "rfc3339_millis")]
    pub timestamp: Option<DateTime<Utc>>,
    /// The event's extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_data: Option<Map<String, Value>>,
    /// The event's iframe link.
    #[serde(default, rename = "timelineIFrame", skip_serializing_if = "Option::is_none")]
    pub timeline_i_frame: Option<TimelineEventIFrame>,
    /// When HubSpot stored it (documented as unused).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "rfc3339_millis")]
    pub created_at: Option<DateTime<Utc>>,
    /// The custom object type (undocumented by HubSpot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_object_type_id: Option<String>,
}

impl TimelineEventResponse {
    /// A stored event with these ids and nothing else; set the other fields.
    ///
    /// ```
    /// use timeline_core::wire::TimelineEventResponse;
    /// let mut stored = TimelineEventResponse::new("e-1", "contacts", "1001298");
    /// stored.object_id = Some("5120345".into());
    /// assert_eq!(stored.tokens.len(), 0);
    /// ```
    pub fn new(id: impl Into<String>, object_type: impl Into<String>, event_template_id: impl Into<String>) -> Self {
        TimelineEventResponse {
            id: id.into(),
            object_type: object_type.into(),
            event_template_id: event_template_id.into(),
            tokens: BTreeMap::new(),
            object_id: None,
            email: None,
            utk: None,
            domain: None,
            timestamp: None,
            extra_data: None,
            timeline_i_frame: None,
            created_at: None,
            custom_object_type_id: None,
        }
    }
}

/// The processing state of a batch. Values HubSpot adds later read as
/// [`BatchStatus::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum BatchStatus {
    /// Waiting.
    Pending,
    /// Under way.
    Processing,
    /// Stopped.
    Canceled,
    /// Done: every input is stored or failed.
    Complete,
    /// A value this crate does not know.
    #[serde(other)]
    Unknown,
}

/// HubSpot's batch answer, one shape for every kind of result: the v3
/// batch create's 201 ([`BatchResponseTimelineEventResponse`]) and 207
/// ([`BatchResponseTimelineEventResponseWithErrors`]), and the app-event
/// batch's 200 ([`BatchResponseAppEventOccurrence`]). `results` holds the
/// stored inputs and `errors` one entry per input that was not stored;
/// `numErrors` and `errors` are left out of the JSON when there are none.
///
/// ```
/// use timeline_core::wire::{BatchResponse, BatchStatus, StandardError, TimelineEventResponse};
/// let now = chrono::Utc::now();
/// let stored = vec![TimelineEventResponse::new("e-1", "contacts", "1001298")];
/// let answer = BatchResponse::new(BatchStatus::Complete, stored, now, now).with_errors(vec![StandardError::default()]);
/// assert_eq!(answer.num_errors, Some(1));
/// assert!(answer.requested_at.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchResponse<T> {
    /// The batch's state.
    pub status: BatchStatus,
    /// The stored inputs.
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    /// How many inputs failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_errors: Option<i32>,
    /// One error per failed input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<StandardError>,
    /// When the request arrived.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "rfc3339_millis")]
    pub requested_at: Option<DateTime<Utc>>,
    /// When processing started.
    #[serde(serialize_with = "rfc3339_millis_required")]
    pub started_at: DateTime<Utc>,
    /// When processing ended.
    #[serde(serialize_with = "rfc3339_millis_required")]
    pub completed_at: DateTime<Utc>,
    /// Related links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<BTreeMap<String, String>>,
}

impl<T> BatchResponse<T> {
    /// The answer holding `results`, without errors, `requestedAt` or links.
    pub fn new(status: BatchStatus, results: Vec<T>, started_at: DateTime<Utc>, completed_at: DateTime<Utc>) -> Self {
        BatchResponse {
            status,
            results,
            num_errors: None,
            errors: Vec::new(),
            requested_at: None,
            started_at,
            completed_at,
            links: None,
        }
    }

    /// The same answer with these `errors`, and `numErrors` counted from them.
    pub fn with_errors(self, errors: Vec<StandardError>) -> Self {
        BatchResponse { num_errors: Some(i32::try_from(errors.len()).unwrap_or(i32::MAX)), errors, ..self }
    }
}

/// HubSpot's name for the 201 answer of batch create: every input was stored.
pub type BatchResponseTimelineEventResponse = BatchResponse<TimelineEventResponse>;

/// HubSpot's name for the 207 answer of batch create: `results` holds the
/// stored inputs and `errors` one entry per input that was not stored
/// (see [`BatchResponse::with_errors`]).
pub type BatchResponseTimelineEventResponseWithErrors = BatchResponse<TimelineEventResponse>;

/// One failed input of a batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StandardError {
    /// Usually `"error"`.
    #[serde(default)]
    pub status: String,
    /// An error id, when HubSpot gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Such as `VALIDATION_ERROR`.
    #[serde(default)]
    pub category: String,
    /// An object in HubSpot's schema; kept as raw JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_category: Option<Value>,
    /// What went wrong.
    #[serde(default)]
    pub message: String,
    /// The details.
    #[serde(default)]
    pub errors: Vec<ErrorDetail>,
    /// Context, such as the failed input's `id`.
    #[serde(default)]
    pub context: BTreeMap<String, Vec<String>>,
    /// Related links.
    #[serde(default)]
    pub links: BTreeMap<String, String>,
}

/// One detail of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorDetail {
    /// What went wrong.
    pub message: String,
    /// A machine-readable code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Where: the JSON key is `in`, such as `tokens.petAge`.
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<String>,
    /// A finer category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_category: Option<String>,
    /// Context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<BTreeMap<String, Vec<String>>>,
}

impl ErrorDetail {
    /// A detail saying `message`, with no code, location or context; set those.
    ///
    /// ```
    /// use timeline_core::wire::ErrorDetail;
    /// let mut detail = ErrorDetail::new("petAge is not a number");
    /// detail.in_ = Some("tokens.petAge".into());
    /// assert!(detail.code.is_none());
    /// ```
    pub fn new(message: impl Into<String>) -> Self {
        ErrorDetail { message: message.into(), code: None, in_: None, sub_category: None, context: None }
    }
}

/// The body of any 4xx or 5xx answer other than a rate limit (HubSpot's
/// schema calls it `Error`, the name of the client's error type).
///
/// Every field is optional here, as HubSpot's error guide advises, and the
/// older `{"status":"error","message":…}` shape parses too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiError {
    /// The older shape's `"error"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Such as `VALIDATION_ERROR` or `INVALID_AUTHENTICATION`.
    #[serde(default)]
    pub category: String,
    /// The id to quote to HubSpot support.
    #[serde(default)]
    pub correlation_id: String,
    /// What went wrong.
    #[serde(default)]
    pub message: String,
    /// A finer category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_category: Option<String>,
    /// Context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<BTreeMap<String, Vec<String>>>,
    /// Related links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<BTreeMap<String, String>>,
    /// The details.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorDetail>,
}

/// The body of a 429 answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RateLimitError {
    /// `"error"`.
    #[serde(default)]
    pub status: String,
    /// Such as "You have reached your ten_secondly_rolling limit."
    #[serde(default)]
    pub message: String,
    /// `"RATE_LIMIT"`.
    #[serde(default)]
    pub error_type: String,
    /// The id to quote to HubSpot support.
    #[serde(default)]
    pub correlation_id: String,
    /// Which limit was hit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<RateLimitPolicy>,
    /// The request's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Which rate limit a 429 reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum RateLimitPolicy {
    /// The daily cap: retrying before it resets is pointless.
    Daily,
    /// The rolling ten-second burst limit.
    TenSecondlyRolling,
    /// A policy this crate does not know.
    #[serde(other)]
    Unknown,
}

/// An event template, as the template endpoints return it and as the
/// template definition files of `#[timeline(template = "…")]` hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEventTemplate {
    /// The template id.
    pub id: String,
    /// The template's name.
    pub name: String,
    /// The CRM object type its events go on, such as `contacts`.
    pub object_type: String,
    /// The tokens.
    #[serde(default)]
    pub tokens: Vec<TimelineEventTemplateToken>,
    /// Markdown and Handlebars for the event's header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_template: Option<String>,
    /// Markdown and Handlebars for the event's detail view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_template: Option<String>,
    /// When it was created (null for templates older than 2020-02-18).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "rfc3339_millis")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it was last changed.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "rfc3339_millis")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// One token of an event template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEventTemplateToken {
    /// The token's name, its key in an event's `tokens`.
    pub name: String,
    /// The label shown in lists and reports.
    pub label: String,
    /// The token's type.
    #[serde(rename = "type")]
    pub kind: TokenKind,
    /// The options of an enumeration token; empty for the other kinds.
    #[serde(default)]
    pub options: Vec<TimelineEventTemplateTokenOption>,
    /// The CRM property the token writes to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_property_name: Option<String>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "rfc3339_millis")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it was last changed.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "rfc3339_millis")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// One option of an enumeration token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimelineEventTemplateTokenOption {
    /// What users see.
    pub label: String,
    /// What events send.
    pub value: String,
}

/// A definition as the template endpoints write it: its id is the
/// template id, or an app event's `uid`, and nothing says when it was made.
///
/// ```
/// use timeline_core::wire::TimelineEventTemplate;
/// let file = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
///                "tokens": [{"name": "petAge", "label": "Age", "type": "number"}]}"#;
/// let definition = timeline_template::definition::parse(file).unwrap();
/// let template = TimelineEventTemplate::from(definition.clone());
/// assert_eq!((template.id.as_str(), template.tokens[0].label.as_str()), ("1001298", "Age"));
/// assert_eq!(timeline_template::Definition::from(&template), definition);
/// ```
impl From<Definition> for TimelineEventTemplate {
    fn from(definition: Definition) -> Self {
        TimelineEventTemplate {
            id: definition.event_type().to_owned(),
            name: definition.name,
            object_type: definition.object_type,
            tokens: definition.tokens.into_iter().map(TimelineEventTemplateToken::from).collect(),
            header_template: definition.header_template,
            detail_template: definition.detail_template,
            created_at: None,
            updated_at: None,
        }
    }
}

/// An event template's definition, as [`timeline_template::definition::parse`]
/// reads it from the same JSON (the times are left out).
impl From<&TimelineEventTemplate> for Definition {
    fn from(template: &TimelineEventTemplate) -> Self {
        Definition {
            origin: Origin::EventTemplate { id: template.id.clone() },
            name: template.name.clone(),
            object_type: template.object_type.clone(),
            custom_object: false,
            tokens: template.tokens.iter().map(Token::from).collect(),
            header_template: template.header_template.clone(),
            detail_template: template.detail_template.clone(),
        }
    }
}

/// A definition's token as the template endpoints write it.
impl From<Token> for TimelineEventTemplateToken {
    fn from(token: Token) -> Self {
        TimelineEventTemplateToken {
            name: token.name,
            label: token.label,
            kind: token.kind,
            options: token
                .options
                .into_iter()
                .map(|option| TimelineEventTemplateTokenOption { label: option.label, value: option.value })
                .collect(),
            object_property_name: token.object_property_name,
            created_at: None,
            updated_at: None,
        }
    }
}

/// A template token as a [`Definition`] holds it (its times left out).
impl From<&TimelineEventTemplateToken> for Token {
    fn from(token: &TimelineEventTemplateToken) -> Self {
        Token {
            name: token.name.clone(),
            label: token.label.clone(),
            kind: token.kind,
            options: token
                .options
                .iter()
                .map(|option| TokenOption { label: option.label.clone(), value: option.value.clone() })
                .collect(),
            object_property_name: token.object_property_name.clone(),
        }
    }
}

/// The body of create template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEventTemplateCreateRequest {
    /// The template's name.
    pub name: String,
    /// The CRM object type, such as `contacts`; it cannot change later.
    pub object_type: String,
    /// The tokens.
    pub tokens: Vec<TimelineEventTemplateToken>,
    /// Markdown and Handlebars for the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_template: Option<String>,
    /// Markdown and Handlebars for the detail view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_template: Option<String>,
}

/// The body of update template (the object type cannot change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEventTemplateUpdateRequest {
    /// The template id.
    pub id: String,
    /// The template's name.
    pub name: String,
    /// The tokens; they may replace the token set.
    pub tokens: Vec<TimelineEventTemplateToken>,
    /// Markdown and Handlebars for the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_template: Option<String>,
    /// Markdown and Handlebars for the detail view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_template: Option<String>,
}

/// The body of update token (name and type cannot change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEventTemplateTokenUpdateRequest {
    /// The label.
    pub label: String,
    /// The options of an enumeration token.
    #[serde(default)]
    pub options: Vec<TimelineEventTemplateTokenOption>,
    /// The CRM property the token writes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_property_name: Option<String>,
}

/// The answer of list templates (no paging).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CollectionResponseTimelineEventTemplateNoPaging {
    /// The templates.
    pub results: Vec<TimelineEventTemplate>,
}

impl CollectionResponseTimelineEventTemplateNoPaging {
    /// The answer listing `results`.
    ///
    /// ```
    /// use timeline_core::wire::CollectionResponseTimelineEventTemplateNoPaging;
    /// assert!(CollectionResponseTimelineEventTemplateNoPaging::new(Vec::new()).results.is_empty());
    /// ```
    pub fn new(results: Vec<TimelineEventTemplate>) -> Self {
        CollectionResponseTimelineEventTemplateNoPaging { results }
    }
}

/// The old name of [`TimelineEventInput`].
#[deprecated(note = "renamed to `TimelineEventInput`, apart from the `TimelineEvent` trait")]
pub type TimelineEvent = TimelineEventInput;

/// The old name of [`ApiError`].
#[deprecated(note = "renamed to `ApiError`, apart from the client's `Error`")]
pub type Error = ApiError;

fn rfc3339_millis<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339_millis_required(at, serializer),
        None => serializer.serialize_none(),
    }
}

fn rfc3339_millis_required<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// Reads a map of token values, taking numbers and booleans as their text.
fn lenient_string_map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error> {
    struct LenientMap;

    impl<'de> Visitor<'de> for LenientMap {
        type Value = BTreeMap<String, String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of token values")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut map = BTreeMap::new();
            while let Some((name, value)) = access.next_entry::<String, Value>()? {
                let text = match value {
                    Value::String(text) => text,
                    Value::Number(number) => number.to_string(),
                    Value::Bool(flag) => flag.to_string(),
                    other => {
                        return Err(de::Error::custom(format_args!("token `{name}` has a non-scalar value {other}")));
                    }
                };
                map.insert(name, text);
            }
            Ok(map)
        }
    }

    deserializer.deserialize_map(LenientMap)
}
