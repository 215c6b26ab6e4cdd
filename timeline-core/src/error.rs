//! Errors that keep one event from being encoded.

use chrono::{DateTime, Utc};

/// Why one event could not be turned into a request input.
///
/// These are per-event failures: the encoder reports them for the event at
/// hand and the rest of a batch goes on.
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
}
