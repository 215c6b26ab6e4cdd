//! [`AppEventOccurrence`]: an app-event occurrence as the sandbox stores and answers it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use timeline_core::wire::TimelineEventIFrame;

/// An occurrence of an app event, in HubSpot's `AppEventOccurrence` shape.
///
/// The sandbox keeps what the input carried; only a missing `timestamp` is
/// filled with the time of storing.
///
/// ```
/// use timeline_sandbox::AppEventOccurrence;
///
/// let occurrence: AppEventOccurrence = serde_json::from_str(
///     r#"{"eventTypeName": "webinar_registered", "id": "reg-1", "objectId": "5120345",
///         "properties": {"webinarName": "Q2 roadmap"}}"#,
/// ).unwrap();
/// assert_eq!(occurrence.properties["webinarName"], "Q2 roadmap");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppEventOccurrence {
    /// The event type as sent: its `uid` or its fully-qualified name.
    pub event_type_name: String,
    /// The occurrence id, unique per event type.
    pub id: String,
    /// The property values, by property name.
    pub properties: BTreeMap<String, String>,
    /// The record it goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// The custom object type of the record, for custom-object types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type_fully_qualified_name: Option<String>,
    /// The contact's email (contact types only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The contact's tracking cookie (contact types only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utk: Option<String>,
    /// The domain of a company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// When it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Free-form data for the detail template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_data: Option<serde_json::Map<String, serde_json::Value>>,
    /// A link that opens an iframe.
    #[serde(default, rename = "timelineIFrame", skip_serializing_if = "Option::is_none")]
    pub timeline_i_frame: Option<TimelineEventIFrame>,
}
