//! [`TokenWriter`]: where an event's tokens go, as JSON, into a map, or
//! only into its id's hash.

use std::collections::BTreeMap;

use crate::error::EncodeError;
use crate::id_hash::IdHasher;
use crate::token::{TokenText, TokenValue};

/// Where [`TimelineEvent::write_tokens`](crate::TimelineEvent::write_tokens) sends token values.
///
/// The encoder writes them as JSON, [`TimelineEvent::tokens`](crate::TimelineEvent::tokens) collects them
/// into a map, and [`event_id`](crate::event_id) only hashes them; the event
/// type does not need to know which.
pub struct TokenWriter<'a> {
    pub(crate) sink: Sink<'a>,
    pub(crate) hasher: Option<&'a mut IdHasher>,
}

/// What a [`TokenWriter`] writes into.
pub(crate) enum Sink<'a> {
    Json { out: &'a mut Vec<u8>, empty: bool },
    Map(&'a mut BTreeMap<String, String>),
    Discard,
}

impl<'a> TokenWriter<'a> {
    /// A writer that collects the tokens into `map`.
    ///
    /// ```
    /// # use std::collections::BTreeMap;
    /// use timeline_core::TokenWriter;
    /// let mut map = BTreeMap::new();
    /// let mut tokens = TokenWriter::map(&mut map);
    /// tokens.token("petAge", &3u8).unwrap();
    /// tokens.token("nickname", &None::<String>).unwrap();
    /// assert_eq!(map.len(), 1);
    /// assert_eq!(map["petAge"], "3");
    /// ```
    pub fn map(map: &'a mut BTreeMap<String, String>) -> Self {
        TokenWriter { sink: Sink::Map(map), hasher: None }
    }

    pub(crate) fn json(out: &'a mut Vec<u8>, hasher: Option<&'a mut IdHasher>) -> Self {
        TokenWriter { sink: Sink::Json { out, empty: true }, hasher }
    }

    pub(crate) fn hash_only(hasher: &'a mut IdHasher) -> Self {
        TokenWriter { sink: Sink::Discard, hasher: Some(hasher) }
    }

    /// Writes the token `name` with `value`; an absent value writes nothing.
    ///
    /// Fails when the value is a NaN or infinite float.
    pub fn token<T: TokenValue + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), EncodeError> {
        self.text(name, value.token_text())
    }

    /// Writes the token `name` from a value already turned into
    /// [`TokenText`]; what [`token`](Self::token) does after
    /// [`TokenValue::token_text`].
    ///
    /// ```
    /// # use std::collections::BTreeMap;
    /// use timeline_core::{TokenText, TokenWriter};
    /// let mut map = BTreeMap::new();
    /// TokenWriter::map(&mut map).text("petAge", TokenText::Unsigned(3)).unwrap();
    /// assert_eq!(map["petAge"], "3");
    /// ```
    pub fn text(&mut self, name: &'static str, text: TokenText<'_>) -> Result<(), EncodeError> {
        match text {
            TokenText::Absent => Ok(()),
            TokenText::Text(text) => {
                self.write(name, &text);
                Ok(())
            }
            TokenText::Signed(n) => {
                match i64::try_from(n) {
                    Ok(small) => self.write(name, itoa::Buffer::new().format(small)),
                    Err(_) => self.write(name, itoa::Buffer::new().format(n)),
                }
                Ok(())
            }
            TokenText::Unsigned(n) => {
                match u64::try_from(n) {
                    Ok(small) => self.write(name, itoa::Buffer::new().format(small)),
                    Err(_) => self.write(name, itoa::Buffer::new().format(n)),
                }
                Ok(())
            }
            TokenText::Float32(x) if x.is_finite() => {
                self.write(name, &x.to_string());
                Ok(())
            }
            TokenText::Float64(x) if x.is_finite() => {
                self.write(name, &x.to_string());
                Ok(())
            }
            TokenText::Float32(x) => Err(EncodeError::NonFiniteNumber { token: name, value: x.into() }),
            TokenText::Float64(x) => Err(EncodeError::NonFiniteNumber { token: name, value: x }),
        }
    }

    pub(crate) fn write(&mut self, name: &str, text: &str) {
        if let Some(hasher) = self.hasher.as_deref_mut() {
            hasher.token(name, text);
        }
        match &mut self.sink {
            Sink::Json { out, empty } => {
                if !std::mem::take(empty) {
                    out.push(b',');
                }
                push_json_str(out, name);
                out.push(b':');
                push_json_str(out, text);
            }
            Sink::Map(map) => {
                map.insert(name.to_owned(), text.to_owned());
            }
            Sink::Discard => {}
        }
    }
}

/// Appends `text` as a JSON string literal, escaped as serde_json escapes it.
pub(crate) fn push_json_str(out: &mut Vec<u8>, text: &str) {
    let plain = text.bytes().fold(true, |plain, byte| plain & (byte >= 0x20) & (byte != b'"') & (byte != b'\\'));
    if plain {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(out, text).expect("a string always serializes to a Vec<u8>");
    }
}
