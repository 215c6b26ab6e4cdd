//! A hand-written event type with every part an event can have, shared by
//! the encoding tests. Each test crate uses a part of it.
#![allow(dead_code)]

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use timeline_core::wire::TimelineEventIFrame;
use timeline_core::{EncodeError, IdText, Target, TimelineEvent, TokenKind, TokenSpec, TokenWriter};

/// An event whose every part is set from the outside.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pub id: Option<String>,
    pub object_id: Option<String>,
    pub email: Option<String>,
    pub utk: Option<String>,
    pub domain: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
    pub text: String,
    pub count: i64,
    pub ratio: f64,
    pub maybe: Option<u32>,
    pub extra: Option<Value>,
    pub iframe: Option<TimelineEventIFrame>,
}

impl Probe {
    /// A probe about the record `object_id`, with the given text token.
    pub fn about(object_id: &str, text: &str) -> Self {
        Probe { object_id: Some(object_id.to_owned()), text: text.to_owned(), ..Probe::default() }
    }
}

impl TimelineEvent for Probe {
    const EVENT_TYPE: &'static str = "1001298";
    const TOKENS: &'static [TokenSpec] = &[
        TokenSpec { name: "text", kind: TokenKind::String },
        TokenSpec { name: "count", kind: TokenKind::Number },
        TokenSpec { name: "ratio", kind: TokenKind::Number },
        TokenSpec { name: "maybe", kind: TokenKind::Number },
    ];

    fn target(&self) -> Target<'_> {
        Target {
            object_id: self.object_id.as_deref().map(IdText::from),
            email: self.email.as_deref().map(Cow::Borrowed),
            utk: self.utk.as_deref().map(Cow::Borrowed),
            domain: self.domain.as_deref().map(Cow::Borrowed),
            object_type: None,
        }
    }

    fn event_id(&self) -> Option<IdText<'_>> {
        self.id.as_deref().map(IdText::from)
    }

    fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.timestamp
    }

    fn extra_data<V: timeline_core::ExtraDataVisitor>(&self, visitor: V) -> V::Output {
        match &self.extra {
            Some(extra) => visitor.visit(extra),
            None => visitor.none(),
        }
    }

    fn timeline_iframe(&self) -> Option<&TimelineEventIFrame> {
        self.iframe.as_ref()
    }

    fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> {
        tokens.token("text", &self.text)?;
        tokens.token("count", &self.count)?;
        tokens.token("ratio", &self.ratio)?;
        tokens.token("maybe", &self.maybe)
    }
}

/// Encodes `event` and parses the bytes back.
pub fn encoded_json<E: TimelineEvent>(event: &E) -> Result<Value, EncodeError> {
    let mut out = Vec::new();
    timeline_core::encode_input(event, &mut out)?;
    Ok(serde_json::from_slice(&out).expect("the encoder writes valid JSON"))
}

/// The wire model's serde rendering of `event`.
pub fn wire_json<E: TimelineEvent>(event: &E) -> Result<Value, EncodeError> {
    Ok(serde_json::to_value(timeline_core::to_wire(event)?).expect("the wire model serializes"))
}

/// An extraData object with one key.
pub fn object(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_owned(), value);
    Value::Object(map)
}
