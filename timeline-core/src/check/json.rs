//! A JSON value that borrows its strings from the request body, so that
//! reading an event input costs no allocation per key or string, and that
//! keeps an object's members in the order they were sent.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A parsed JSON value whose strings point into the body when they hold no escape.
///
/// An object keeps its members in the order they were sent; a key sent twice
/// reads as its last value, as with [`serde_json::Map`].
///
/// ```
/// use timeline_core::check::Json;
/// let body = br#"{"inputs": [{"id": "e-1"}]}"#;
/// let batch: Json<'_> = serde_json::from_slice(body).unwrap();
/// let Some(Json::Array(inputs)) = batch.get("inputs") else { panic!("a batch") };
/// assert_eq!(inputs[0].get("id").map(Json::kind), Some("a string"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object, its members in the order sent.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// The member `key` of an object: its last value when sent twice.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(name, _)| name == key).map(|(_, value)| value),
            _ => None,
        }
    }

    /// The number as an `i64`, when it is a whole number in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(number) => number.as_i64(),
            _ => None,
        }
    }

    /// How the value's type reads in a message.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The value as an owned [`Value`]; a key sent twice keeps its last value.
    pub fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(flag) => Value::Bool(*flag),
            Json::Number(number) => Value::Number(number.clone()),
            Json::String(text) => Value::String(text.as_ref().to_owned()),
            Json::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(members) => Value::Object(to_map(members)),
        }
    }
}

/// The members of an object as an owned [`Map`]; a key sent twice keeps its last value.
pub(crate) fn to_map(members: &[(Cow<'_, str>, Json<'_>)]) -> Map<String, Value> {
    members.iter().map(|(name, value)| (name.as_ref().to_owned(), value.to_value())).collect()
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

/// Builds a [`Json`] from whatever the parser finds.
struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(flag))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Self::Value, E> {
        Ok(Json::Number(number.into()))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Self::Value, E> {
        Ok(Json::Number(number.into()))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(number).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Borrowed(text)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(text)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(Key(name)) = map.next_key()? {
            members.push((name, map.next_value()?));
        }
        Ok(Json::Object(members))
    }
}

/// An object key, borrowed from the body when it holds no escape.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads an object key.
struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Borrowed(text)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_borrow_from_the_body() {
        let body = r#"{"plain": "text", "esc\"aped": "a\nb"}"#;
        let json: Json<'_> = serde_json::from_str(body).unwrap();
        let Json::Object(members) = &json else { panic!("not an object: {json:?}") };
        assert!(matches!(members[0].0, Cow::Borrowed("plain")));
        assert!(matches!(members[0].1, Json::String(Cow::Borrowed("text"))));
        assert!(matches!(&members[1].0, Cow::Owned(key) if key == "esc\"aped"));
        assert!(matches!(&members[1].1, Json::String(Cow::Owned(text)) if text == "a\nb"));
    }

    #[test]
    fn a_key_sent_twice_reads_as_its_last_value_as_with_value() {
        let body = r#"{"a": 1, "b": [true, null, 2.5, "x"], "a": {"c": -3, "c": "d"}}"#;
        let json: Json<'_> = serde_json::from_str(body).unwrap();
        let value: Value = serde_json::from_str(body).unwrap();
        assert_eq!(json.to_value(), value);
        assert_eq!(json.get("a").and_then(|a| a.get("c")), Some(&Json::String(Cow::Borrowed("d"))));
        assert_eq!(json.get("missing"), None);
    }

    #[test]
    fn malformed_json_fails_with_the_same_error_as_value() {
        for body in [r#"{"a": }"#, "[1, 2", r#"{"a": "\q"}"#, "{} trailing", r#"{1: 2}"#] {
            let json = serde_json::from_str::<Json<'_>>(body).unwrap_err().to_string();
            let value = serde_json::from_str::<Value>(body).unwrap_err().to_string();
            assert_eq!(json, value, "{body}");
        }
    }
}
