//! JSON written stably: object keys sorted, two-space indents, a final
//! newline, so files diff cleanly and the same value always gives the same bytes.

use serde_json::{Map, Value};

/// `value` with the keys of every object sorted.
///
/// ```
/// let value = serde_json::json!({"b": 1, "a": {"d": 2, "c": 3}});
/// let sorted = timeline_cli::canonical_json::sorted(value);
/// assert_eq!(serde_json::to_string(&sorted).unwrap(), r#"{"a":{"c":3,"d":2},"b":1}"#);
/// ```
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(String, Value)> = object.into_iter().collect();
            entries.sort_by(|(left, _), (right, _)| left.cmp(right));
            Value::Object(entries.into_iter().map(|(key, value)| (key, sorted(value))).collect::<Map<_, _>>())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// `value` as pretty JSON with sorted keys and a final newline.
pub fn pretty(value: Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(value)).unwrap_or_default();
    text.push('\n');
    text
}
