//! The serde model of HubSpot's app-event bodies (the date-versioned
//! `/integrators/timeline/2026-03/...` paths and their `/v4/` equivalents).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{BatchResponse, TimelineEventIFrame, lenient_string_map, rfc3339_millis};

/// One app-event occurrence: the body of `POST …/2026-03/events`, an item
/// of a batch's `inputs`, and what HubSpot answers with.
///
/// ```
/// use timeline_core::wire::AppEventOccurrence;
/// let mut occurrence = AppEventOccurrence::new("app_event", "webinar-reg-88121");
/// occurrence.object_id = Some("5120345".into());
/// occurrence.properties.insert("webinarName".into(), "Q2 roadmap".into());
/// let json = serde_json::to_value(&occurrence).unwrap();
/// assert_eq!(json["eventTypeName"], "app_event");
/// assert_eq!(json["properties"]["webinarName"], "Q2 roadmap");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppEventOccurrence {
    /// The event type: the definition's `uid` or its fully-qualified name.
    pub event_type_name: String,
    /// The occurrence's id, unique per event type; a second occurrence with
    /// the same id is refused with a 409.
    pub id: String,
    /// Property values by property name; numbers and booleans in an answer
    /// read as their text.
    #[serde(default, deserialize_with = "lenient_string_map")]
    pub properties: BTreeMap<String, String>,
    /// The CRM record id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// The fully-qualified name of the record's object type (custom objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type_fully_qualified_name: Option<String>,
    /// A contact's email (contact event types only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A contact's `hubspotutk` cookie value (contact event types only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utk: Option<String>,
    /// The domain that goes with `utk`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// When it happened, written as RFC 3339 with milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "rfc3339_millis")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Free-form data for the detail view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_data: Option<Map<String, Value>>,
    /// A link that opens an iframe.
    #[serde(default, rename = "timelineIFrame", skip_serializing_if = "Option::is_none")]
    pub timeline_i_frame: Option<TimelineEventIFrame>,
}

impl AppEventOccurrence {
    /// An occurrence of `event_type_name` with `id`, no properties and no
    /// target; set the other fields.
    pub fn new(event_type_name: impl Into<String>, id: impl Into<String>) -> Self {
        AppEventOccurrence {
            event_type_name: event_type_name.into(),
            id: id.into(),
            properties: BTreeMap::new(),
            object_id: None,
            object_type_fully_qualified_name: None,
            email: None,
            utk: None,
            domain: None,
            timestamp: None,
            extra_data: None,
            timeline_i_frame: None,
        }
    }
}

/// The body of `POST …/2026-03/events/batch`: `{"inputs": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInputAppEventOccurrence {
    /// The occurrences to create; HubSpot stores all of them or none.
    pub inputs: Vec<AppEventOccurrence>,
}

/// HubSpot's name for the 200 answer of `POST …/2026-03/events/batch`.
///
/// ```
/// use timeline_core::wire::{BatchResponseAppEventOccurrence, BatchStatus};
/// let body = r#"{"status":"COMPLETE","results":[{"eventTypeName":"app_event","id":"r-1","properties":{}}],
///   "startedAt":"2026-05-04T09:20:01.140Z","completedAt":"2026-05-04T09:20:01.655Z"}"#;
/// let answer: BatchResponseAppEventOccurrence = serde_json::from_str(body).unwrap();
/// assert_eq!(answer.status, BatchStatus::Complete);
/// assert_eq!(answer.results[0].id, "r-1");
/// assert!(answer.errors.is_empty());
/// ```
pub type BatchResponseAppEventOccurrence = BatchResponse<AppEventOccurrence>;

/// The body of `POST …/2026-03/types/projects`: the project coordinates
/// whose app event type's fully-qualified name is wanted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalAppEventResolutionRequest {
    /// The developer's symbol.
    pub developer_symbol: String,
    /// The project's name.
    pub project_name: String,
}

/// A developer symbol and project name, as the resolution answer echoes them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeveloperQualifiedSymbol {
    /// The developer's symbol.
    pub developer_symbol: String,
    /// The project's name.
    pub project_name: String,
}

/// The 200 answer of `POST …/2026-03/types/projects`.
///
/// ```
/// use timeline_core::wire::{AppEventResolutionResponse, DeveloperQualifiedSymbol};
/// let symbol = DeveloperQualifiedSymbol { developer_symbol: "acme".into(), project_name: "webinars".into() };
/// let answer = AppEventResolutionResponse::new("ae-acme-webinars-app_event", symbol);
/// assert_eq!(answer.developer_qualified_symbol.project_name, "webinars");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppEventResolutionResponse {
    /// The event type's fully-qualified name, usable as `eventTypeName`.
    pub fully_qualified_name: String,
    /// The coordinates it was resolved from.
    pub developer_qualified_symbol: DeveloperQualifiedSymbol,
}

impl AppEventResolutionResponse {
    /// The answer naming `fully_qualified_name` for `symbol`.
    pub fn new(fully_qualified_name: impl Into<String>, symbol: DeveloperQualifiedSymbol) -> Self {
        AppEventResolutionResponse {
            fully_qualified_name: fully_qualified_name.into(),
            developer_qualified_symbol: symbol,
        }
    }
}
