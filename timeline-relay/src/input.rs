//! A request's inputs made ready to store: each checked against its
//! definition (when the relay has definitions) or read as it is, then
//! encoded for its account by the library's encoder ([`InputFields`]), which
//! derives the id of an input without one exactly as it derives a typed
//! event's. A v3 input of a template the app sends as app events
//! ([`App::migration`]) must also make a valid occurrence. The outbox stores
//! the encoded input; the answer shows it.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use timeline_core::check::{self, APP_EVENT_FIELDS, EventTypes, Invalid, Json};
use timeline_core::wire::{AppEventOccurrence, ErrorDetail, TimelineEventInput, TimelineEventResponse};
use timeline_core::{AccountId, App, EncodeError, EventInput, EventKind, InputFields, Target};
use timeline_dispatch::EventKey;

/// The keys of a v3 event input (`TimelineEvent` in HubSpot's schema) the
/// relay carries.
const TIMELINE_FIELDS: [&str; 10] = [
    "eventTemplateId",
    "id",
    "tokens",
    "objectId",
    "email",
    "utk",
    "domain",
    "timestamp",
    "extraData",
    "timelineIFrame",
];

/// One valid input, encoded for its account as the outbox stores it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prepared {
    /// Its outbox key: account, kind, event type and id (a derived id when
    /// the input had none).
    pub(crate) key: EventKey,
    /// The input's JSON, as it goes to HubSpot.
    pub(crate) json: Vec<u8>,
    /// The object type of its records, when the relay has its definition.
    pub(crate) object_type: Option<String>,
}

impl Prepared {
    /// The v3 event as HubSpot's answer shows a stored one; its object type
    /// is empty when the relay has no definition of its template.
    pub(crate) fn timeline_response(&self) -> TimelineEventResponse {
        let input: TimelineEventInput =
            serde_json::from_slice(&self.json).expect("the library's encoder writes a v3 event input");
        let object_type = self.object_type.clone().unwrap_or_default();
        let mut response = TimelineEventResponse::new(self.key.event_id.clone(), object_type, input.event_template_id);
        response.tokens = input.tokens;
        response.object_id = input.object_id;
        response.email = input.email;
        response.utk = input.utk;
        response.domain = input.domain;
        response.timestamp = input.timestamp;
        response.extra_data = input.extra_data;
        response.timeline_i_frame = input.timeline_i_frame;
        response
    }

    /// The app-event occurrence, as HubSpot's answer shows it.
    pub(crate) fn occurrence(&self) -> AppEventOccurrence {
        serde_json::from_slice(&self.json).expect("the library's encoder writes an app-event occurrence")
    }
}

impl EventInput for Prepared {
    fn event_type(&self) -> &str {
        &self.key.event_type
    }

    fn kind(&self) -> EventKind {
        self.key.kind
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        out.extend_from_slice(&self.json);
        Ok(self.key.event_id.clone())
    }
}

/// Which v3 inputs are checked at the edge.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Checking<'t> {
    /// Every input, against these definitions: one of a template they do
    /// not have is refused.
    All(&'t EventTypes),
    /// The inputs of a template these definitions have; the others go
    /// unchecked.
    Known(&'t EventTypes),
}

/// The template id a v3 input names, if it names one.
pub(crate) fn template_id<'j>(input: &'j Json<'_>) -> Option<&'j str> {
    match input.get("eventTemplateId")? {
        Json::String(id) => Some(id.as_ref()),
        _ => None,
    }
}

/// The v3 event inputs of one request of `account`, each ready or invalid:
/// checked with [`check::timeline_event`] as `checking` says, and, when
/// `app` sends the input's template as app events, as the occurrence it
/// goes as.
pub(crate) fn timeline_events(
    inputs: &[Json<'_>],
    checking: Checking<'_>,
    app: &App,
    account: AccountId,
) -> Vec<Result<Prepared, Invalid>> {
    inputs
        .iter()
        .map(|input| {
            let types = match checking {
                Checking::All(types) => Some(types),
                Checking::Known(types) => template_id(input).filter(|id| types.template(id).is_some()).map(|_| types),
            };
            let (fields, object_type) = match types {
                Some(types) => {
                    let valid = check::timeline_event(input, types)?;
                    (checked_timeline_fields(valid.input)?, Some(valid.object_type))
                }
                None => (unchecked_fields(EventKind::Timeline, &input.to_value())?, None),
            };
            let mut prepared = encode(fields, object_type, account)?;
            if let Some(migration) = app.migration(&prepared.key.event_type) {
                migration.encode_occurrence(&prepared.json, Some(account), &mut Vec::new())?;
                let object_type = &migration.definition().object_type;
                prepared.object_type.get_or_insert_with(|| object_type.clone());
            }
            Ok(prepared)
        })
        .collect()
}

/// The app-event occurrences of one request of `account`, each ready or
/// invalid: checked together with [`check::app_event_batch`] against
/// `types` when given.
pub(crate) fn app_events(
    inputs: &[Json<'_>],
    types: Option<&EventTypes>,
    account: AccountId,
) -> Vec<Result<Prepared, Invalid>> {
    match types {
        Some(types) => check::app_event_batch(inputs, types)
            .into_iter()
            .map(|checked| {
                let valid = checked?;
                encode(checked_app_event_fields(valid.input), Some(valid.object_type), account)
            })
            .collect(),
        None => inputs
            .iter()
            .map(|input| encode(unchecked_fields(EventKind::AppEvent, &input.to_value())?, None, account))
            .collect(),
    }
}

/// Encodes `fields` for `account`: its key and JSON, or why it does not encode.
fn encode(fields: InputFields, object_type: Option<String>, account: AccountId) -> Result<Prepared, Invalid> {
    let mut json = Vec::new();
    match fields.encode(Some(account), &mut json) {
        Ok(event_id) => Ok(Prepared {
            key: EventKey { account, kind: fields.kind, event_type: fields.event_type, event_id },
            json,
            object_type,
        }),
        Err(error) => Err(invalid(fields.id, None, error.to_string())),
    }
}

/// An input with one problem, at `field` when given.
fn invalid(id: Option<String>, field: Option<&str>, message: String) -> Invalid {
    let mut problem = ErrorDetail::new(message);
    problem.code = Some("INVALID_INPUT".to_owned());
    problem.in_ = field.map(str::to_owned);
    Invalid { id, problems: vec![problem] }
}

/// The fields of a v3 event the check found valid.
fn checked_timeline_fields(input: TimelineEventInput) -> Result<InputFields, Invalid> {
    if input.custom_object_type_id.is_some() {
        let message = "`customObjectTypeId` is not carried by the relay; send the event without it".to_owned();
        return Err(invalid(input.id, Some("customObjectTypeId"), message));
    }
    Ok(InputFields {
        kind: EventKind::Timeline,
        event_type: input.event_template_id,
        tokens: input.tokens.into_iter().collect(),
        target: Target {
            object_id: input.object_id.map(Into::into),
            email: input.email.map(Into::into),
            utk: input.utk.map(Into::into),
            domain: input.domain.map(Into::into),
            object_type: None,
        },
        timestamp: input.timestamp,
        extra_data: input.extra_data,
        timeline_iframe: input.timeline_i_frame.map(iframe_object),
        id: input.id,
    })
}

/// The fields of an occurrence the check found valid.
fn checked_app_event_fields(input: AppEventOccurrence) -> InputFields {
    InputFields {
        kind: EventKind::AppEvent,
        event_type: input.event_type_name,
        tokens: input.properties.into_iter().collect(),
        target: Target {
            object_id: input.object_id.map(Into::into),
            email: input.email.map(Into::into),
            utk: input.utk.map(Into::into),
            domain: input.domain.map(Into::into),
            object_type: input.object_type_fully_qualified_name.map(Into::into),
        },
        timestamp: input.timestamp,
        extra_data: input.extra_data,
        timeline_iframe: input.timeline_i_frame.map(iframe_object),
        id: Some(input.id),
    }
}

/// An iframe link as the JSON object HubSpot takes.
fn iframe_object(iframe: timeline_core::wire::TimelineEventIFrame) -> Map<String, Value> {
    match serde_json::to_value(iframe) {
        Ok(Value::Object(object)) => object,
        _ => unreachable!("an iframe link serializes to a JSON object"),
    }
}

/// The fields of an input of `kind` read as they are, for a relay without
/// definitions: the shape of HubSpot's schema (its keys and their JSON
/// types), token values as text; every problem found.
fn unchecked_fields(kind: EventKind, input: &Value) -> Result<InputFields, Invalid> {
    let Value::Object(members) = input else {
        return Err(invalid(None, None, "each input must be a JSON object".to_owned()));
    };
    let (keys, type_key, values_key): (&[&str], _, _) = match kind {
        EventKind::AppEvent => (&APP_EVENT_FIELDS, "eventTypeName", "properties"),
        _ => (&TIMELINE_FIELDS, "eventTemplateId", "tokens"),
    };
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        let mut detail = ErrorDetail::new(message);
        detail.code = Some("INVALID_INPUT".to_owned());
        detail.in_ = Some(field.to_owned());
        problems.push(detail);
    };
    for key in members.keys().filter(|key| !keys.contains(&key.as_str())) {
        problem(key, format!("`{key}` is not a field the relay carries; its fields are: {}", keys.join(", ")));
    }
    let mut text = |key: &str, integer_too: bool| match members.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(number)) if integer_too && (number.is_u64() || number.is_i64()) => Some(number.to_string()),
        Some(other) => {
            problem(key, format!("`{key}` must be a string, not {other}"));
            None
        }
    };
    let id = text("id", false);
    let event_type = text(type_key, false);
    let object_id = text("objectId", true);
    let (email, utk, domain) = (text("email", false), text("utk", false), text("domain", false));
    let object_type = if kind == EventKind::AppEvent { text("objectTypeFullyQualifiedName", false) } else { None };
    if event_type.is_none() {
        problem(type_key, format!("`{type_key}` is required"));
    }
    let mut values = Vec::new();
    match members.get(values_key) {
        None | Some(Value::Null) => {}
        Some(Value::Object(given)) => {
            for (name, value) in given {
                match value {
                    Value::Null => {}
                    Value::String(text) => values.push((name.clone(), text.clone())),
                    Value::Number(number) => values.push((name.clone(), number.to_string())),
                    Value::Bool(flag) => values.push((name.clone(), flag.to_string())),
                    other => problem(
                        &format!("{values_key}.{name}"),
                        format!("`{values_key}.{name}` must be a string, number or boolean, not {other}"),
                    ),
                }
            }
        }
        Some(other) => problem(values_key, format!("`{values_key}` must be a JSON object, not {other}")),
    }
    let timestamp = match members.get("timestamp") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => match DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(error) => {
                problem("timestamp", format!("`timestamp` {text:?} is not an RFC 3339 date-time: {error}"));
                None
            }
        },
        Some(other) => {
            problem("timestamp", format!("`timestamp` must be an RFC 3339 date-time string, not {other}"));
            None
        }
    };
    let mut object = |key: &str| match members.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Object(object)) => Some(object.clone()),
        Some(other) => {
            problem(key, format!("`{key}` must be a JSON object, not {other}"));
            None
        }
    };
    let (extra_data, timeline_iframe) = (object("extraData"), object("timelineIFrame"));
    match (event_type, problems.is_empty()) {
        (Some(event_type), true) => Ok(InputFields {
            kind,
            event_type,
            tokens: values,
            target: Target {
                object_id: object_id.map(Into::into),
                email: email.map(Into::into),
                utk: utk.map(Into::into),
                domain: domain.map(Into::into),
                object_type: object_type.map(Into::into),
            },
            timestamp,
            extra_data,
            timeline_iframe,
            id,
        }),
        _ => Err(Invalid { id, problems }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepare(kind: EventKind, text: &str) -> Result<Prepared, Invalid> {
        let input: Json<'_> = serde_json::from_str(text).unwrap();
        let account = AccountId::new(101);
        let app = App::builder()
            .client_id("id")
            .client_secret("secret")
            .token_store(std::sync::Arc::new(timeline_core::MemoryTokenStore::new()))
            .build()
            .unwrap();
        let mut prepared = match kind {
            EventKind::AppEvent => app_events(std::slice::from_ref(&input), None, account),
            _ => timeline_events(std::slice::from_ref(&input), Checking::Known(&EventTypes::new()), &app, account),
        };
        prepared.remove(0)
    }

    #[test]
    fn an_input_without_an_id_gets_the_librarys_derived_id_for_its_account() {
        let text = r#"{"eventTemplateId": "7", "objectId": 5, "tokens": {"n": 3, "s": "x"}}"#;
        let prepared = prepare(EventKind::Timeline, text).unwrap();
        let fields = InputFields {
            kind: EventKind::Timeline,
            event_type: "7".to_owned(),
            tokens: vec![("n".to_owned(), "3".to_owned()), ("s".to_owned(), "x".to_owned())],
            target: Target { object_id: Some("5".into()), ..Target::default() },
            ..InputFields::default()
        };
        let expected = fields.encode(Some(AccountId::new(101)), &mut Vec::new()).unwrap();
        assert!(expected.starts_with("tl3-"), "{expected}");
        assert_eq!(prepared.key.event_id, expected);
        assert_eq!(prepared.timeline_response().id, expected);
        let again = prepare(
            EventKind::Timeline,
            r#"{"tokens": {"s": "x", "n": "3"}, "objectId": "5", "eventTemplateId": "7"}"#,
        );
        assert_eq!(again.unwrap().key, prepared.key, "the same content is the same event");
    }

    #[test]
    fn unchecked_inputs_say_what_is_wrong() {
        let cases = [
            (EventKind::Timeline, r#"{"objectId": "1"}"#, "`eventTemplateId` is required"),
            (EventKind::Timeline, r#"{"eventTemplateId": "7", "objectid": "1"}"#, "`objectid` is not a field"),
            (
                EventKind::Timeline,
                r#"{"eventTemplateId": "7", "objectId": "1", "tokens": {"n": []}}"#,
                "must be a string, number or boolean",
            ),
            (EventKind::Timeline, r#"{"eventTemplateId": "7", "objectId": "1", "timestamp": "soon"}"#, "RFC 3339"),
            (EventKind::Timeline, r#"{"eventTemplateId": "7", "tokens": {}}"#, "names no record"),
            (
                EventKind::AppEvent,
                r#"{"eventTypeName": "w", "objectId": "1", "tokens": {}}"#,
                "`tokens` is not a field",
            ),
        ];
        for (kind, text, expected) in cases {
            let invalid = prepare(kind, text).unwrap_err();
            assert!(invalid.message().contains(expected), "{text}: {}", invalid.message());
        }
    }

    #[test]
    fn occurrences_keep_their_custom_object_type() {
        let text = r#"{"eventTypeName": "shipment_sent", "id": "s-1", "objectId": "9",
            "objectTypeFullyQualifiedName": "p_shipments", "properties": {"carrier": "ups"}}"#;
        let occurrence = prepare(EventKind::AppEvent, text).unwrap().occurrence();
        assert_eq!(occurrence.object_type_fully_qualified_name.as_deref(), Some("p_shipments"));
        assert_eq!((occurrence.id.as_str(), occurrence.properties["carrier"].as_str()), ("s-1", "ups"));
    }
}
