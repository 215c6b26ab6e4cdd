//! One NDJSON line → one event input: a v3 timeline event of a template
//! ([`parse`]) or an app-event occurrence of an app-event definition
//! ([`parse_as`] with [`EventKind::AppEvent`]).
//!
//! A v3 line is a JSON object with these keys (all optional but a target):
//!
//! | key | value |
//! |---|---|
//! | `id` | string or integer: the idempotency key (not empty, at most 256 bytes, no `{{uuid}}`); without one, the id is derived from the line's content exactly as the library derives a typed event's ([`timeline_core::DerivedId`]) |
//! | `objectId` | string or integer: the CRM record |
//! | `email`, `utk`, `domain` | strings: a contact by email or `hubspotutk` cookie (contact templates only) |
//! | `timestamp` | RFC 3339 string or epoch milliseconds |
//! | `tokens` | object of token name → string, number or boolean (`null` leaves the token out); a date token also takes RFC 3339 or `YYYY-MM-DD` |
//! | `extraData` | object |
//! | `timelineIFrame` | object, as HubSpot takes it |
//! | `eventTemplateId` | when given, the template's id |
//!
//! An app-event line has the same keys but for these: `properties` (an
//! object as `tokens` is, checked against the definition's properties)
//! instead of `tokens`, `eventTypeName` (when given, the definition's
//! `uid`) instead of `eventTemplateId`, and `objectTypeFullyQualifiedName`
//! (a string: the object type of a record of a custom object). It is sent
//! as an `AppEventOccurrence`; a derived id is the library's
//! ([`timeline_core::DerivedId::app_event`]). Every line is written by the
//! library's encoder ([`InputFields`]), as a typed event is.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};
use timeline_core::check::APP_EVENT_FIELDS;
use timeline_core::wire::TimelineEventTemplate;
use timeline_core::{EncodeError, EventInput, EventKind, InputFields, Target, TokenKind};

/// The keys a line of a v3 event may have.
const KEYS: &[&str] = &[
    "id",
    "objectId",
    "email",
    "utk",
    "domain",
    "timestamp",
    "tokens",
    "extraData",
    "timelineIFrame",
    "eventTemplateId",
];

/// One event read from a line, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    kind: EventKind,
    event_type: String,
    id: String,
    json: Vec<u8>,
    sent_before: bool,
}

impl LineInput {
    /// The id the event is sent with.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The same input, marked as possibly sent by an earlier run (see
    /// [`EventInput::sent_before`]).
    pub fn marked_sent_before(self) -> Self {
        LineInput { sent_before: true, ..self }
    }
}

impl EventInput for LineInput {
    fn event_type(&self) -> &str {
        &self.event_type
    }

    fn kind(&self) -> EventKind {
        self.kind
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        out.extend_from_slice(&self.json);
        Ok(self.id.clone())
    }

    fn sent_before(&self) -> bool {
        self.sent_before
    }
}

/// Reads `text` as an event of `template`; the error says what is wrong with the line.
///
/// ```
/// # use timeline_cli::send::line::parse;
/// let template = serde_json::from_str(r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
///     "tokens": [{"name": "adoptedOn", "label": "On", "type": "date"}]}"#).unwrap();
/// let input = parse(r#"{"id": "a-1", "email": "ada@example.com", "tokens": {"adoptedOn": "2026-05-04"}}"#, &template).unwrap();
/// assert_eq!(input.id(), "a-1");
/// ```
pub fn parse(text: &str, template: &TimelineEventTemplate) -> Result<LineInput, LineError> {
    parse_as(text, template, EventKind::Timeline)
}

/// Reads `text` as an event of `kind`: a v3 timeline event of `template`,
/// or an app event of the definition `template` stands for (its `id` being
/// the event type name, the definition's `uid`).
///
/// ```
/// # use timeline_cli::send::line::parse_as;
/// use timeline_core::{EventInput, EventKind};
/// let definition = serde_json::from_str(r#"{"id": "webinar_registered", "name": "Webinar registered",
///     "objectType": "contacts", "tokens": [{"name": "webinarName", "label": "Name", "type": "string"}]}"#).unwrap();
/// let line = r#"{"id": "r-1", "objectId": 5, "properties": {"webinarName": "Q2 roadmap"}}"#;
/// let input = parse_as(line, &definition, EventKind::AppEvent).unwrap();
/// assert_eq!((input.id(), input.kind()), ("r-1", EventKind::AppEvent));
/// ```
pub fn parse_as(text: &str, template: &TimelineEventTemplate, kind: EventKind) -> Result<LineInput, LineError> {
    let fields = parse_fields(text, template, kind)?;
    let mut json = Vec::new();
    let id = fields.encode(None, &mut json).map_err(LineError::Encoding)?;
    Ok(LineInput { kind, event_type: template.id.clone(), id, json, sent_before: false })
}

/// The fields of the line `text`, as [`parse_as`] reads them.
fn parse_fields(text: &str, template: &TimelineEventTemplate, kind: EventKind) -> Result<InputFields, String> {
    let value: Value = serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
    let Value::Object(fields) = value else {
        return Err("the line is not a JSON object".to_owned());
    };
    let app_event = kind == EventKind::AppEvent;
    let (keys, type_key, values_key) = match app_event {
        true => (&APP_EVENT_FIELDS[..], "eventTypeName", "properties"),
        false => (KEYS, "eventTemplateId", "tokens"),
    };
    if let Some(unknown) = fields.keys().find(|key| !keys.contains(&key.as_str())) {
        let what = if app_event { "an app-event line's" } else { "a line's" };
        return Err(format!("unknown key `{unknown}`; {what} keys are: {}", keys.join(", ")));
    }
    if let Some(given) = fields.get(type_key)
        && given.as_str() != Some(template.id.as_str())
    {
        let sent_as = if app_event { "app event" } else { "template" };
        return Err(format!("`{type_key}` is {given}, but the events are sent as {sent_as} {}", template.id));
    }
    let values = tokens(fields.get(values_key), values_key, template)?;
    let text = |key: &str| text_field(&fields, key, matches!(key, "objectId" | "id"));
    let target = Target {
        object_id: text("objectId")?.map(Into::into),
        email: text("email")?.map(Into::into),
        utk: text("utk")?.map(Into::into),
        domain: text("domain")?.map(Into::into),
        object_type: if app_event { text("objectTypeFullyQualifiedName")?.map(Into::into) } else { None },
    };
    let timestamp = match fields.get("timestamp").filter(|value| !value.is_null()) {
        Some(timestamp) => Some(timestamp_of(timestamp)?),
        None => None,
    };
    let object = |key: &str| match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object.clone())),
        Some(other) => Err(format!("`{key}` must be a JSON object, not {other}")),
    };
    Ok(InputFields {
        kind,
        event_type: template.id.clone(),
        tokens: values,
        target,
        timestamp,
        extra_data: object("extraData")?,
        timeline_iframe: object("timelineIFrame")?,
        id: text("id")?,
    })
}

/// Why a line is not an event input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LineError {
    /// The line is not an event's JSON: not JSON, an unknown key, a value
    /// of the wrong type.
    #[error("{0}")]
    Unreadable(String),
    /// The event does not encode (no target, an id HubSpot would refuse),
    /// as a typed event with the same content would not.
    #[error("{0}")]
    Encoding(EncodeError),
}

impl LineError {
    /// The failure's kind in the failures file: `unreadable_line`, or
    /// `encoding` as for a typed event that does not encode.
    pub fn kind(&self) -> &'static str {
        match self {
            LineError::Unreadable(_) => "unreadable_line",
            LineError::Encoding(_) => "encoding",
        }
    }
}

impl From<String> for LineError {
    fn from(reason: String) -> Self {
        LineError::Unreadable(reason)
    }
}

/// A string field (or an integer one when `numeric` is allowed), as text.
fn text_field(fields: &Map<String, Value>, key: &str, numeric: bool) -> Result<Option<String>, String> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) if numeric && (number.is_u64() || number.is_i64()) => Ok(Some(number.to_string())),
        Some(other) => {
            Err(format!("`{key}` must be a string{}, not {other}", if numeric { " or an integer" } else { "" }))
        }
    }
}

/// The event's tokens (or an app event's properties, the line's `key`) as
/// strings; date tokens may be written as RFC 3339 or `YYYY-MM-DD`.
fn tokens(
    tokens: Option<&Value>,
    key: &str,
    template: &TimelineEventTemplate,
) -> Result<Vec<(String, String)>, String> {
    let tokens = match tokens {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(tokens)) => tokens,
        Some(other) => return Err(format!("`{key}` must be a JSON object, not {other}")),
    };
    let token = if key == "properties" { "property" } else { "token" };
    let mut out = Vec::with_capacity(tokens.len());
    for (name, value) in tokens {
        let is_date = template.tokens.iter().any(|token| &token.name == name && token.kind == TokenKind::Date);
        let text = match value {
            Value::Null => continue,
            Value::String(text) if is_date => date_millis(text).unwrap_or_else(|| text.clone()),
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            other => return Err(format!("{token} `{name}` must be a string, number or boolean, not {other}")),
        };
        out.push((name.clone(), text));
    }
    Ok(out)
}

/// Epoch milliseconds of an RFC 3339 time or a `YYYY-MM-DD` date (midnight UTC).
fn date_millis(text: &str) -> Option<String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp_millis().to_string());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis().to_string())
}

/// The event's timestamp, from RFC 3339 or epoch milliseconds.
fn timestamp_of(value: &Value) -> Result<DateTime<Utc>, String> {
    match value {
        Value::String(text) => DateTime::parse_from_rfc3339(text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(|error| format!("`timestamp` {text:?} is not an RFC 3339 time: {error}")),
        Value::Number(number) => number
            .as_i64()
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .ok_or_else(|| format!("`timestamp` {number} is not epoch milliseconds")),
        other => Err(format!("`timestamp` must be an RFC 3339 string or epoch milliseconds, not {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline_core::DerivedId;

    fn template() -> TimelineEventTemplate {
        serde_json::from_str(
            r#"{"id": "7", "name": "T", "objectType": "contacts", "tokens": [
                {"name": "on", "label": "On", "type": "date"}, {"name": "n", "label": "N", "type": "number"}]}"#,
        )
        .unwrap()
    }

    fn json(input: &LineInput) -> Value {
        serde_json::from_slice(&input.json).unwrap()
    }

    #[test]
    fn lines_become_inputs() {
        let line = r#"{"id": 12, "objectId": 5, "timestamp": 1777886100000,
            "tokens": {"on": "2026-05-04", "n": 3.5, "flag": true, "gone": null}, "extraData": {"a": [1]}}"#;
        let input = parse(line, &template()).unwrap();
        assert_eq!(input.id(), "12");
        assert_eq!(
            json(&input),
            serde_json::json!({
                "eventTemplateId": "7", "id": "12", "objectId": "5", "timestamp": "2026-05-04T09:15:00.000Z",
                "tokens": {"on": "1777852800000", "n": "3.5", "flag": "true"}, "extraData": {"a": [1]}
            })
        );
    }

    #[test]
    fn ids_are_derived_from_content() {
        let first = parse(r#"{"email": "a@b.c", "tokens": {"n": "1"}}"#, &template()).unwrap();
        let again = parse(r#"{"tokens": {"n": "1"}, "email": "a@b.c"}"#, &template()).unwrap();
        let other = parse(r#"{"email": "a@b.c", "tokens": {"n": "2"}}"#, &template()).unwrap();
        assert!(first.id().starts_with("tl2-"));
        assert_eq!(first.id(), again.id());
        assert_ne!(first.id(), other.id());
    }

    #[test]
    fn ids_are_derived_as_the_library_derives_them() {
        let line = r#"{"objectId": 5, "timestamp": "2026-05-04T09:15:00Z", "tokens": {"on": "2026-05-04", "n": 3},
            "extraData": {"b": 1, "a": [true]}}"#;
        let input = parse(line, &template()).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-05-04T09:15:00Z").unwrap().with_timezone(&Utc);
        let mut expected = DerivedId::new("7", &Target { object_id: Some("5".into()), ..Target::default() }, Some(at));
        expected.token("n", "3");
        expected.token("on", "1777852800000");
        let extra = serde_json::json!({"a": [true], "b": 1});
        assert_eq!(input.id(), expected.finish(Some(&extra), None));
        let same = r#"{"tokens": {"n": "3", "on": 1777852800000}, "objectId": "5", "timestamp": 1777886100000,
            "extraData": {"a": [true], "b": 1}}"#;
        assert_eq!(parse(same, &template()).unwrap().id(), input.id());
    }

    #[test]
    fn app_event_lines_become_occurrences() {
        let line = r#"{"objectId": 5, "objectTypeFullyQualifiedName": "p_webinars", "timestamp": 1777886100000,
            "properties": {"on": "2026-05-04", "n": 3}, "eventTypeName": "7"}"#;
        let input = parse_as(line, &template(), EventKind::AppEvent).unwrap();
        assert_eq!(input.kind(), EventKind::AppEvent);
        assert_eq!(
            json(&input),
            serde_json::json!({
                "eventTypeName": "7", "id": input.id(), "objectId": "5", "objectTypeFullyQualifiedName": "p_webinars",
                "timestamp": "2026-05-04T09:15:00.000Z", "properties": {"on": "1777852800000", "n": "3"}
            })
        );
        let at = DateTime::parse_from_rfc3339("2026-05-04T09:15:00Z").unwrap().with_timezone(&Utc);
        let target =
            Target { object_id: Some("5".into()), object_type: Some("p_webinars".into()), ..Target::default() };
        let mut expected = DerivedId::app_event("7", &target, Some(at));
        expected.token("n", "3");
        expected.token("on", "1777852800000");
        assert_eq!(input.id(), expected.finish(None, None));
        let as_v3 = parse(
            r#"{"objectId": 5, "timestamp": 1777886100000, "tokens": {"on": "2026-05-04", "n": 3}}"#,
            &template(),
        );
        assert_ne!(as_v3.unwrap().id(), input.id(), "an app event's id is never a v3 event's");
    }

    #[test]
    fn bad_app_event_lines_say_why() {
        let cases = [
            (r#"{"objectId": 1, "tokens": {"n": "1"}}"#, "unknown key `tokens`; an app-event line's keys are"),
            (r#"{"objectId": 1, "eventTemplateId": "7"}"#, "unknown key `eventTemplateId`"),
            (r#"{"objectId": 1, "eventTypeName": "other"}"#, "sent as app event 7"),
            (r#"{"objectId": 1, "properties": [1]}"#, "`properties` must be a JSON object"),
            (r#"{"objectId": 1, "properties": {"n": {}}}"#, "property `n` must be"),
        ];
        for (line, expected) in cases {
            let reason = parse_as(line, &template(), EventKind::AppEvent).unwrap_err().to_string();
            assert!(reason.contains(expected), "{line}: {reason}");
        }
        let reason =
            parse(r#"{"objectId": 1, "objectTypeFullyQualifiedName": "p"}"#, &template()).unwrap_err().to_string();
        assert!(reason.contains("unknown key `objectTypeFullyQualifiedName`"), "{reason}");
    }

    #[test]
    fn bad_lines_say_why() {
        let cases = [
            ("{", "not JSON"),
            ("[1]", "not a JSON object"),
            (r#"{"objectid": "1"}"#, "unknown key `objectid`"),
            (r#"{"eventTemplateId": "8"}"#, "sent as template 7"),
            (r#"{"email": 5}"#, "`email` must be a string"),
            (r#"{"timestamp": "yesterday"}"#, "not an RFC 3339 time"),
            (r#"{"tokens": {"n": [1]}}"#, "token `n` must be a string"),
            (r#"{"extraData": "x"}"#, "`extraData` must be a JSON object"),
            (r#"{"id": "", "objectId": 1}"#, "it is empty"),
            (r#"{"id": "a-{{uuid}}", "objectId": 1}"#, "{{uuid}}"),
        ];
        for (line, expected) in cases {
            let reason = parse(line, &template()).unwrap_err().to_string();
            assert!(reason.contains(expected), "{line}: {reason}");
        }
    }
}
