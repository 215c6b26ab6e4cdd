//! The [`TimelineEvent`] trait: what a typed event tells the encoder.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::EncodeError;
use crate::id_text::IdText;
use crate::kind::EventKind;
use crate::target::Target;
use crate::token::TokenSpec;
use crate::token_writer::TokenWriter;
use crate::wire::TimelineEventIFrame;

/// A typed occurrence of one HubSpot timeline event template.
///
/// `#[derive(TimelineEvent)]` (from the `hubspot-timeline` crate) implements
/// it from a struct's fields. By hand it looks like this:
///
/// ```
/// use std::borrow::Cow;
/// use timeline_core::{
///     EncodeError, Target, TimelineEvent, TokenKind, TokenSpec, TokenValue, TokenWriter,
/// };
///
/// struct PetAdopted {
///     owner_email: String,
///     pet_name: String,
///     pet_age: u8,
/// }
///
/// impl TimelineEvent for PetAdopted {
///     const EVENT_TYPE: &'static str = "1001298";
///     const TOKENS: &'static [TokenSpec] = &[
///         TokenSpec { name: "petName", kind: <String as TokenValue>::KIND },
///         TokenSpec { name: "petAge", kind: <u8 as TokenValue>::KIND },
///     ];
///
///     fn target(&self) -> Target<'_> {
///         Target { email: Some(Cow::Borrowed(&self.owner_email)), ..Target::default() }
///     }
///
///     fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> {
///         tokens.token("petName", &self.pet_name)?;
///         tokens.token("petAge", &self.pet_age)
///     }
/// }
///
/// let event = PetAdopted { owner_email: "ada@example.com".into(), pet_name: "Rex".into(), pet_age: 3 };
/// let tokens = event.tokens().unwrap();
/// assert_eq!(tokens["petAge"], "3");
/// assert_eq!(PetAdopted::TOKENS[1].kind, TokenKind::Number);
/// ```
pub trait TimelineEvent {
    /// The event's type: for a v3 timeline event ([`EventKind::Timeline`])
    /// the id of its event template (digits, e.g. `"1001298"`); for an app
    /// event ([`EventKind::AppEvent`]) its event type name (the definition's
    /// `uid`, or its fully-qualified name).
    const EVENT_TYPE: &'static str;

    /// Which API the event goes to: v3 timeline events unless said
    /// otherwise. `#[derive(TimelineEvent)]` makes a struct bound to an
    /// app-event definition (`*-hsmeta.json` without a template id) an
    /// [`EventKind::AppEvent`].
    const KIND: EventKind = EventKind::Timeline;

    /// The tokens this event type can send, in field order.
    const TOKENS: &'static [TokenSpec];

    /// The CRM object type of the template's records (`"contacts"`,
    /// `"companies"`, …), when known; `None` if not known.
    ///
    /// `#[derive(TimelineEvent)]` sets it from a template definition file
    /// (`#[timeline(template = "…")]`). When it is `Some` and not
    /// `"contacts"`, the encoder refuses an event that names its record by
    /// `email` or `utk`, which identify contacts only.
    const OBJECT_TYPE: Option<&'static str> = None;

    /// The record the event belongs to.
    fn target(&self) -> Target<'_>;

    /// The event's own id, if it has one.
    ///
    /// `None` gives the event a deterministic id derived from its content, so
    /// that sending it again replaces it instead of creating a duplicate; see
    /// [`event_id`](crate::event_id).
    fn event_id(&self) -> Option<IdText<'_>> {
        None
    }

    /// When the event happened; `None` lets HubSpot use the time it receives it.
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        None
    }

    /// Hands the event's `extraData` object, if it has one, to `visitor`.
    fn extra_data<V: ExtraDataVisitor>(&self, visitor: V) -> V::Output {
        visitor.none()
    }

    /// The event's `timelineIFrame`, if it has one.
    fn timeline_iframe(&self) -> Option<&TimelineEventIFrame> {
        None
    }

    /// Writes every token value through `tokens`, in field order.
    fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError>;

    /// The token map as HubSpot will receive it, for inspection and logs.
    ///
    /// Tokens whose value is `None` are absent.
    fn tokens(&self) -> Result<BTreeMap<String, String>, EncodeError> {
        let mut map = BTreeMap::new();
        self.write_tokens(&mut TokenWriter::map(&mut map))?;
        Ok(map)
    }
}

/// Receives an event's `extraData` value: any [`Serialize`] type that
/// serializes to a JSON object.
///
/// Generic so that the encoder can serialize the value straight into the
/// request body, with no intermediate `serde_json::Value`.
pub trait ExtraDataVisitor {
    /// What the visit produces.
    type Output;

    /// The event has extra data.
    fn visit<T: Serialize + ?Sized>(self, data: &T) -> Self::Output;

    /// The event has no extra data.
    fn none(self) -> Self::Output;
}

/// A reference to an event is the same event, so that slices and iterators
/// of borrowed events can be sent as they are.
impl<E: TimelineEvent + ?Sized> TimelineEvent for &E {
    const EVENT_TYPE: &'static str = E::EVENT_TYPE;
    const KIND: EventKind = E::KIND;
    const TOKENS: &'static [TokenSpec] = E::TOKENS;
    const OBJECT_TYPE: Option<&'static str> = E::OBJECT_TYPE;

    fn target(&self) -> Target<'_> {
        (**self).target()
    }

    fn event_id(&self) -> Option<IdText<'_>> {
        (**self).event_id()
    }

    fn timestamp(&self) -> Option<DateTime<Utc>> {
        (**self).timestamp()
    }

    fn extra_data<V: ExtraDataVisitor>(&self, visitor: V) -> V::Output {
        (**self).extra_data(visitor)
    }

    fn timeline_iframe(&self) -> Option<&TimelineEventIFrame> {
        (**self).timeline_iframe()
    }

    fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> {
        (**self).write_tokens(tokens)
    }
}

/// Builds `extraData` as a `serde_json::Value`, with the encoder's rules.
pub(crate) struct ExtraDataValue;

impl ExtraDataVisitor for ExtraDataValue {
    type Output = Result<Option<serde_json::Map<String, serde_json::Value>>, EncodeError>;

    fn visit<T: Serialize + ?Sized>(self, data: &T) -> Self::Output {
        match serde_json::to_value(data) {
            Ok(serde_json::Value::Object(map)) => Ok(Some(map)),
            Ok(serde_json::Value::Null) => Ok(None),
            Ok(serde_json::Value::Array(_)) => Err(EncodeError::ExtraDataNotObject { found: "an array" }),
            Ok(serde_json::Value::String(_)) => Err(EncodeError::ExtraDataNotObject { found: "a string" }),
            Ok(serde_json::Value::Bool(_)) => Err(EncodeError::ExtraDataNotObject { found: "a boolean" }),
            Ok(serde_json::Value::Number(_)) => Err(EncodeError::ExtraDataNotObject { found: "a number" }),
            Err(error) => Err(EncodeError::ExtraData(error.to_string())),
        }
    }

    fn none(self) -> Self::Output {
        Ok(None)
    }
}
