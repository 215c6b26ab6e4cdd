//! The encoder: an event's JSON request input, written straight from the
//! struct into a byte buffer, with no intermediate map or `Value`.

use crate::AccountId;
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;

use crate::error::EncodeError;
use crate::event::{ExtraDataValue, ExtraDataVisitor, TimelineEvent};
use crate::id::{PendingId, iframe_value};
use crate::id_text::IdText;
use crate::kind::EventKind;
use crate::target::Target;
use crate::token_writer::{Sink, TokenWriter, push_json_str};
use crate::wire;

/// Appends one event's JSON input (an item of a batch's `inputs`) to `out`
/// and returns the id it was given.
///
/// On error nothing is appended. For a v3 timeline event keys are written
/// in this order: `eventTemplateId`, `tokens`, the target fields
/// (`objectId`, `email`, `utk`, `domain`), `timestamp`, `extraData`,
/// `timelineIFrame`, `id`. An app event ([`EventKind::AppEvent`]) is an
/// `AppEventOccurrence`: `eventTypeName`, `properties` (its tokens),
/// `objectId`, `objectTypeFullyQualifiedName`, `email`, `utk`, `domain`,
/// `timestamp`, `extraData`, `timelineIFrame`, `id`.
///
/// ```
/// # use timeline_core::IdText;
/// # use timeline_core::{EncodeError, Target, TimelineEvent, TokenSpec, TokenWriter};
/// # struct Ping(u32);
/// # impl TimelineEvent for Ping {
/// #     const EVENT_TYPE: &'static str = "1001298";
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { object_id: Some("42".into()), ..Target::default() } }
/// #     fn event_id(&self) -> Option<IdText<'_>> { Some(self.0.into()) }
/// #     fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> { tokens.token("n", &self.0) }
/// # }
/// let mut body = Vec::new();
/// let id = timeline_core::encode_input(&Ping(7), &mut body).unwrap();
/// assert_eq!(id, "7");
/// assert_eq!(
///     String::from_utf8(body).unwrap(),
///     r#"{"eventTemplateId":"1001298","tokens":{"n":"7"},"objectId":"42","id":"7"}"#
/// );
/// ```
pub fn encode_input<'e, E: TimelineEvent + ?Sized>(event: &'e E, out: &mut Vec<u8>) -> Result<IdText<'e>, EncodeError> {
    encode_input_for(event, None, out)
}

/// [`encode_input`] for the account `account`, when known: a derived id
/// includes it.
pub(crate) fn encode_input_for<'e, E: TimelineEvent + ?Sized>(
    event: &'e E,
    account: Option<AccountId>,
    out: &mut Vec<u8>,
) -> Result<IdText<'e>, EncodeError> {
    let start = out.len();
    let result = write_input(event, account, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn write_input<'e, E: TimelineEvent + ?Sized>(
    event: &'e E,
    account: Option<AccountId>,
    out: &mut Vec<u8>,
) -> Result<IdText<'e>, EncodeError> {
    let target = event.target();
    check_target(E::KIND, E::OBJECT_TYPE, &target)?;
    let timestamp = event.timestamp();
    let id = PendingId::start(event, &target, timestamp, account)?;
    let parts = Parts { kind: E::KIND, event_type: E::EVENT_TYPE, target: &target, timestamp };
    write_parts(
        out,
        parts,
        id,
        |tokens| event.write_tokens(tokens),
        |out| event.extra_data(ExtraDataJson { out }),
        event.timeline_iframe(),
        iframe_value,
    )
}

/// What every input has besides its tokens, `extraData`, iframe and id.
pub(crate) struct Parts<'p> {
    pub(crate) kind: EventKind,
    pub(crate) event_type: &'p str,
    pub(crate) target: &'p Target<'p>,
    pub(crate) timestamp: Option<DateTime<Utc>>,
}

/// Writes one input, whether its event is typed or read at run time (see
/// [`InputFields`](crate::InputFields)): the one place the JSON of an input
/// is written, in the order [`encode_input`] documents.
pub(crate) fn write_parts<'e, I: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    parts: Parts<'_>,
    mut id: PendingId<'e>,
    write_tokens: impl FnOnce(&mut TokenWriter<'_>) -> Result<(), EncodeError>,
    write_extra_data: impl FnOnce(&mut Vec<u8>) -> Result<Option<std::ops::Range<usize>>, EncodeError>,
    iframe: Option<&I>,
    iframe_value: impl FnOnce(&I) -> serde_json::Value,
) -> Result<IdText<'e>, EncodeError> {
    if let Some(at) = parts.timestamp {
        check_timestamp(at)?;
    }
    let (type_key, values_key): (&[u8], &[u8]) = match parts.kind {
        EventKind::AppEvent => (b"{\"eventTypeName\":", b",\"properties\":{"),
        EventKind::Timeline => (b"{\"eventTemplateId\":", b",\"tokens\":{"),
    };
    out.extend_from_slice(type_key);
    push_json_str(out, parts.event_type);
    out.extend_from_slice(values_key);
    write_tokens(&mut TokenWriter::json(out, id.hasher()))?;
    out.push(b'}');

    write_target(out, parts.kind, parts.target);
    if let Some(at) = parts.timestamp {
        out.extend_from_slice(b",\"timestamp\":\"");
        write_rfc3339_millis(out, at);
        out.push(b'"');
    }
    let extra_data = write_extra_data(out)?;
    if let Some(iframe) = iframe {
        out.extend_from_slice(b",\"timelineIFrame\":");
        serde_json::to_writer(&mut *out, iframe).expect("an iframe (an object) always serializes");
    }
    let id = if id.is_derived() {
        let extra_data = extra_data.map(|written| {
            serde_json::from_slice::<serde_json::Value>(&out[written]).expect("the encoder wrote valid JSON")
        });
        id.finish(extra_data.as_ref(), iframe.map(iframe_value).as_ref())
    } else {
        id.finish(None, None)
    };
    push_field(out, "id", &id);
    out.push(b'}');
    Ok(id)
}

/// The target names a record, names a contact only on contact templates
/// (`object_type`, the template's record type, when known), and names an
/// object type only for app events.
pub(crate) fn check_target(
    kind: EventKind,
    object_type: Option<&'static str>,
    target: &Target<'_>,
) -> Result<(), EncodeError> {
    if !target.is_identified() {
        return Err(EncodeError::NoTarget);
    }
    if let (EventKind::Timeline, Some(object_type)) = (kind, &target.object_type) {
        return Err(EncodeError::ObjectTypeOnTimelineEvent { object_type: object_type.clone().into_owned() });
    }
    match object_type {
        Some(object_type) if object_type != "contacts" => {
            let contact_field = [("email", &target.email), ("utk", &target.utk)]
                .into_iter()
                .find_map(|(field, value)| value.as_ref().map(|_| field));
            match contact_field {
                Some(field) => Err(EncodeError::ContactTargetOnOtherObject { field, object_type }),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn write_target(out: &mut Vec<u8>, kind: EventKind, target: &Target<'_>) {
    if let Some(object_id) = &target.object_id {
        push_field(out, "objectId", object_id);
    }
    if let (EventKind::AppEvent, Some(object_type)) = (kind, &target.object_type) {
        push_field(out, "objectTypeFullyQualifiedName", object_type);
    }
    let fields = [("email", &target.email), ("utk", &target.utk), ("domain", &target.domain)];
    for (key, value) in fields {
        if let Some(value) = value {
            push_field(out, key, value);
        }
    }
}

/// Writes `extraData` into the body, or nothing when the event has none or
/// its value serializes to `null` (an `Option` that is `None`); gives where
/// the value stands in the body.
struct ExtraDataJson<'a> {
    out: &'a mut Vec<u8>,
}

impl ExtraDataVisitor for ExtraDataJson<'_> {
    type Output = Result<Option<std::ops::Range<usize>>, EncodeError>;

    fn visit<T: Serialize + ?Sized>(self, data: &T) -> Self::Output {
        const KEY: &[u8] = b",\"extraData\":";
        let start = self.out.len();
        self.out.extend_from_slice(KEY);
        let value_start = self.out.len();
        if let Err(error) = serde_json::to_writer(&mut *self.out, data) {
            self.out.truncate(start);
            return Err(EncodeError::ExtraData(error.to_string()));
        }
        match self.out[value_start] {
            b'{' => Ok(Some(value_start..self.out.len())),
            b'n' => {
                self.out.truncate(start);
                Ok(None)
            }
            other => {
                self.out.truncate(start);
                Err(EncodeError::ExtraDataNotObject { found: json_kind(other) })
            }
        }
    }

    fn none(self) -> Self::Output {
        Ok(None)
    }
}

/// Names the JSON value that starts with `first`, for error messages.
fn json_kind(first: u8) -> &'static str {
    match first {
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        _ => "a number",
    }
}

/// Builds the serde wire model of a v3 timeline event: the same input as
/// [`encode_input`], as a value to inspect, log or serialize with serde.
///
/// ```
/// # use std::borrow::Cow;
/// # use timeline_core::{EncodeError, Target, TimelineEvent, TokenSpec, TokenWriter};
/// # struct Ping;
/// # impl TimelineEvent for Ping {
/// #     const EVENT_TYPE: &'static str = "1001298";
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { email: Some(Cow::Borrowed("ada@example.com")), ..Target::default() } }
/// #     fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> { tokens.token("petName", "Rex") }
/// # }
/// let input = timeline_core::to_wire(&Ping).unwrap();
/// assert_eq!(input.email.as_deref(), Some("ada@example.com"));
/// assert_eq!(input.tokens["petName"], "Rex");
/// ```
///
/// An app event is refused with [`EncodeError::OtherKind`]: its model is
/// [`to_app_event_wire`]'s.
pub fn to_wire<E: TimelineEvent + ?Sized>(event: &E) -> Result<wire::TimelineEventInput, EncodeError> {
    let fields = wire_fields(event, EventKind::Timeline)?;
    Ok(wire::TimelineEventInput {
        event_template_id: E::EVENT_TYPE.to_owned(),
        id: Some(fields.id),
        tokens: fields.values,
        object_id: fields.target.object_id.map(Into::into),
        email: fields.target.email.map(Into::into),
        utk: fields.target.utk.map(Into::into),
        domain: fields.target.domain.map(Into::into),
        timestamp: fields.timestamp,
        extra_data: fields.extra_data,
        timeline_i_frame: fields.iframe,
        custom_object_type_id: None,
    })
}

/// Builds the serde wire model of an app event: the same
/// `AppEventOccurrence` as [`encode_input`] writes, as a value to inspect,
/// log or serialize with serde.
///
/// A v3 timeline event is refused with [`EncodeError::OtherKind`]: its
/// model is [`to_wire`]'s.
///
/// ```
/// # use timeline_core::{EncodeError, EventKind, Target, TimelineEvent, TokenSpec, TokenWriter};
/// # struct Registered;
/// # impl TimelineEvent for Registered {
/// #     const EVENT_TYPE: &'static str = "webinar_registered";
/// #     const KIND: EventKind = EventKind::AppEvent;
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { object_id: Some("42".into()), ..Target::default() } }
/// #     fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> { tokens.token("webinarName", "Q2 roadmap") }
/// # }
/// let occurrence = timeline_core::to_app_event_wire(&Registered).unwrap();
/// assert_eq!(occurrence.event_type_name, "webinar_registered");
/// assert_eq!(occurrence.properties["webinarName"], "Q2 roadmap");
/// assert_eq!(occurrence.id, timeline_core::event_id(&Registered).unwrap());
/// ```
pub fn to_app_event_wire<E: TimelineEvent + ?Sized>(event: &E) -> Result<wire::AppEventOccurrence, EncodeError> {
    let fields = wire_fields(event, EventKind::AppEvent)?;
    Ok(wire::AppEventOccurrence {
        event_type_name: E::EVENT_TYPE.to_owned(),
        id: fields.id,
        properties: fields.values,
        object_id: fields.target.object_id.map(Into::into),
        object_type_fully_qualified_name: fields.target.object_type.map(Into::into),
        email: fields.target.email.map(Into::into),
        utk: fields.target.utk.map(Into::into),
        domain: fields.target.domain.map(Into::into),
        timestamp: fields.timestamp,
        extra_data: fields.extra_data,
        timeline_i_frame: fields.iframe,
    })
}

/// What both wire models are made of.
struct WireFields<'e> {
    id: String,
    values: BTreeMap<String, String>,
    target: Target<'e>,
    timestamp: Option<DateTime<Utc>>,
    extra_data: Option<serde_json::Map<String, serde_json::Value>>,
    iframe: Option<wire::TimelineEventIFrame>,
}

fn wire_fields<E: TimelineEvent + ?Sized>(event: &E, wanted: EventKind) -> Result<WireFields<'_>, EncodeError> {
    if E::KIND != wanted {
        return Err(EncodeError::OtherKind { kind: E::KIND, wanted });
    }
    let target = event.target();
    check_target(E::KIND, E::OBJECT_TYPE, &target)?;
    let timestamp = event.timestamp();
    if let Some(at) = timestamp {
        check_timestamp(at)?;
    }
    let mut values = BTreeMap::new();
    let mut id = PendingId::start(event, &target, timestamp, None)?;
    event.write_tokens(&mut TokenWriter { sink: Sink::Map(&mut values), hasher: id.hasher() })?;
    let extra_data = event.extra_data(ExtraDataValue)?.map(serde_json::Value::Object);
    let iframe = event.timeline_iframe();
    let id = id.finish(extra_data.as_ref(), iframe.map(iframe_value).as_ref()).into_owned();
    let extra_data = match extra_data {
        Some(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    };
    Ok(WireFields { id, values, target, timestamp, extra_data, iframe: iframe.cloned() })
}

/// An event already encoded as one request input, for sending events of
/// different types together.
///
/// ```
/// # use std::borrow::Cow;
/// # use timeline_core::{EncodeError, Target, TimelineEvent, TokenSpec, TokenWriter};
/// # struct Ping;
/// # impl TimelineEvent for Ping {
/// #     const EVENT_TYPE: &'static str = "1001298";
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { object_id: Some("1".into()), ..Target::default() } }
/// #     fn write_tokens(&self, _: &mut TokenWriter<'_>) -> Result<(), EncodeError> { Ok(()) }
/// # }
/// use timeline_core::EncodedInput;
/// let input = EncodedInput::new(&Ping).unwrap();
/// assert_eq!(input.event_type(), "1001298");
/// assert!(input.json().starts_with(b"{\"eventTemplateId\""));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedInput {
    kind: EventKind,
    event_type: &'static str,
    id: String,
    /// Whether `id` was derived from the content (not the event's own).
    derived: bool,
    json: Box<[u8]>,
}

impl EncodedInput {
    /// Encodes `event`, for no account in particular: a derived id is a
    /// `tl2-` id, which a client of one account (the client `App::account`
    /// gives) replaces by the account's `tl3-` id when it sends the input.
    pub fn new<E: TimelineEvent + ?Sized>(event: &E) -> Result<Self, EncodeError> {
        let mut json = Vec::new();
        let derived = event.event_id().is_none();
        let id = encode_input(event, &mut json)?.into_owned();
        Ok(EncodedInput { kind: E::KIND, event_type: E::EVENT_TYPE, id, derived, json: json.into_boxed_slice() })
    }

    /// Appends the input as the account `account`'s client sends it: a
    /// derived id is replaced by the account's; returns the id.
    #[cfg(feature = "client")]
    pub(crate) fn write_for_account(&self, account: AccountId, out: &mut Vec<u8>) -> String {
        if !self.derived {
            out.extend_from_slice(&self.json);
            return self.id.clone();
        }
        // The encoder writes the id last, as `,"id":"…"}`, and a derived id
        // needs no escaping.
        let tail = ",\"id\":\"".len() + self.id.len() + "\"}".len();
        let head = &self.json[..self.json.len() - tail];
        debug_assert!(self.json[head.len()..].ends_with(format!("\"{}\"}}", self.id).as_bytes()));
        let id = crate::id_hash::account_id(account, &self.id);
        out.extend_from_slice(head);
        push_field(out, "id", id.as_str());
        out.push(b'}');
        id.into_owned()
    }

    /// The event's type: the template id, or an app event's type name.
    pub fn event_type(&self) -> &'static str {
        self.event_type
    }

    /// Which API the input goes to.
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The id the event is sent with.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The JSON input, one item of a batch's `inputs`.
    pub fn json(&self) -> &[u8] {
        &self.json
    }
}

fn check_timestamp(at: DateTime<Utc>) -> Result<(), EncodeError> {
    if (0..=9999).contains(&at.year()) { Ok(()) } else { Err(EncodeError::TimestampOutOfRange(at)) }
}

/// Writes `at` as `YYYY-MM-DDTHH:MM:SS.mmmZ`; the year is known to fit.
fn write_rfc3339_millis(out: &mut Vec<u8>, at: DateTime<Utc>) {
    let utc = at.naive_utc();
    let millis = at.timestamp_subsec_millis().min(999);
    let mut text = *b"0000-00-00T00:00:00.000Z";
    put_digits(&mut text[0..4], utc.year() as u32);
    put_digits(&mut text[5..7], utc.month());
    put_digits(&mut text[8..10], utc.day());
    put_digits(&mut text[11..13], utc.hour());
    put_digits(&mut text[14..16], utc.minute());
    put_digits(&mut text[17..19], utc.second());
    put_digits(&mut text[20..23], millis);
    out.extend_from_slice(&text);
}

/// Writes `value` into `digits` in decimal, right-aligned and zero-padded.
fn put_digits(digits: &mut [u8], mut value: u32) {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn push_field(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(b',');
    push_json_str(out, key);
    out.push(b':');
    push_json_str(out, value);
}
