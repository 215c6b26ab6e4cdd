//! Checks one app-event occurrence against its type, the way HubSpot's
//! app-events API does, and says what to fix.

use std::collections::BTreeMap;

use timeline_template::{Kind, Token};

use super::AppEventOccurrence;
use super::types::{AppEventType, AppEventTypes, Objects};
use crate::json::Json;
use crate::validate::{
    Invalid, Problems, is_email, optional_string, read_extra_data, read_iframe, read_timestamp, unquoted,
};

/// The fields of an `AppEventOccurrence`.
const FIELDS: [&str; 11] = [
    "eventTypeName",
    "id",
    "properties",
    "objectId",
    "objectTypeFullyQualifiedName",
    "email",
    "utk",
    "domain",
    "timestamp",
    "extraData",
    "timelineIFrame",
];

/// A valid occurrence and the uid of its type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Checked {
    /// The uid of the type it names.
    pub(crate) type_uid: String,
    /// The occurrence, read into its model.
    pub(crate) occurrence: AppEventOccurrence,
}

/// Checks `input` against the app-event type it names in `types`.
pub(crate) fn check_occurrence(input: &Json<'_>, types: &AppEventTypes) -> Result<Checked, Invalid> {
    let mut problems = Problems(Vec::new());
    let Json::Object(members) = input else {
        problems.add("", "INVALID_INPUT", "each occurrence must be a JSON object");
        return Err(Invalid { id: None, problems: problems.0 });
    };
    let id = optional_string(input, "id", &mut problems);
    match id.as_deref() {
        None if input.get("id").is_none_or(|id| *id == Json::Null) => {
            problems.add("id", "REQUIRED", "`id` is required: a string unique per event type, used to refuse repeats");
        }
        Some(text) if text.trim().is_empty() => problems.add("id", "INVALID_ID", "`id` must not be empty"),
        _ => {}
    }
    for (name, _) in members {
        if !FIELDS.contains(&name.as_ref()) {
            let hint = match name.as_ref() {
                "eventTemplateId" => "; app events name their type in `eventTypeName`".to_owned(),
                "tokens" => "; app events send their values in `properties`".to_owned(),
                _ => String::new(),
            };
            problems.add(
                name.as_ref(),
                "UNKNOWN_FIELD",
                format!("`{name}` is not a field of an app-event occurrence{hint}"),
            );
        }
    }
    let event_type_name = match input.get("eventTypeName") {
        Some(Json::String(name)) => Some(name.as_ref().to_owned()),
        Some(other) => {
            problems.add(
                "eventTypeName",
                "INVALID_TYPE",
                format!("`eventTypeName` must be a string, not {}", other.kind()),
            );
            None
        }
        None => {
            problems.add(
                "eventTypeName",
                "REQUIRED",
                "`eventTypeName` is required: the event type's uid or fully-qualified name",
            );
            None
        }
    };
    let kind = event_type_name.as_deref().and_then(|name| {
        let kind = types.get(name);
        if kind.is_none() {
            let known = types.uids();
            problems.add(
                "eventTypeName",
                "UNKNOWN_EVENT_TYPE",
                format!(
                    "app event type `{name}` does not exist in this app; its types are: {}",
                    if known.is_empty() { "(none)".to_owned() } else { known.join(", ") }
                ),
            );
        }
        kind
    });
    let properties = read_properties(input.get("properties"), kind, &mut problems);
    let object_id = optional_string(input, "objectId", &mut problems);
    let object_type = optional_string(input, "objectTypeFullyQualifiedName", &mut problems);
    let email = optional_string(input, "email", &mut problems);
    let utk = optional_string(input, "utk", &mut problems);
    let domain = optional_string(input, "domain", &mut problems);
    let timestamp = read_timestamp(input.get("timestamp"), &mut problems);
    let extra_data = read_extra_data(input.get("extraData"), &mut problems);
    let timeline_i_frame = read_iframe(input.get("timelineIFrame"), &mut problems);
    for (value, name) in [(&object_id, "objectId"), (&utk, "utk"), (&object_type, "objectTypeFullyQualifiedName")] {
        if value.as_deref().is_some_and(|value| value.trim().is_empty()) {
            problems.add(name, "EMPTY_TARGET", format!("`{name}` must not be empty; leave it out instead"));
        }
    }
    if let Some(email) = &email
        && !is_email(email)
    {
        problems.add("email", "INVALID_EMAIL", format!("`{email}` is not a valid email address"));
    }
    if let Some(kind) = kind {
        let given = Given {
            object_id: object_id.is_some(),
            object_type: object_type.is_some(),
            email: email.is_some(),
            utk: utk.is_some(),
        };
        check_target(kind, given, &mut problems);
    }

    match (kind, event_type_name, id.clone(), properties) {
        (Some(kind), Some(event_type_name), Some(id), Some(properties)) if problems.0.is_empty() => Ok(Checked {
            type_uid: kind.uid.clone(),
            occurrence: AppEventOccurrence {
                event_type_name,
                id,
                properties,
                object_id,
                object_type_fully_qualified_name: object_type,
                email,
                utk,
                domain,
                timestamp,
                extra_data,
                timeline_i_frame,
            },
        }),
        _ => Err(Invalid { id, problems: problems.0 }),
    }
}

/// Which target fields an occurrence carries.
#[derive(Debug, Clone, Copy)]
struct Given {
    object_id: bool,
    object_type: bool,
    email: bool,
    utk: bool,
}

/// Checks that the occurrence names a record its type's objects allow.
fn check_target(kind: &AppEventType, given: Given, problems: &mut Problems) {
    let uid = &kind.uid;
    let on = match &kind.objects {
        Objects::Contacts => "CONTACT".to_owned(),
        Objects::Standard(object_type) => object_type.clone(),
        Objects::Custom => "custom objects".to_owned(),
    };
    if kind.objects != Objects::Contacts {
        for (present, field) in [(given.email, "email"), (given.utk, "utk")] {
            if present {
                problems.add(
                    field,
                    "TARGET_NOT_ALLOWED",
                    format!(
                        "`{field}` only identifies contacts, but app event {uid} is on {on}; send `objectId` instead"
                    ),
                );
            }
        }
        if !given.object_id {
            problems.add(
                "objectId",
                "MISSING_TARGET",
                format!("app event {uid} is on {on}; the occurrence needs an `objectId`"),
            );
        }
    } else if !(given.object_id || given.email || given.utk) {
        problems.add(
            "objectId",
            "MISSING_TARGET",
            "the occurrence names no record: send `objectId`, `email` or `utk` to say which contact it goes on",
        );
    }
    match (&kind.objects, given.object_type) {
        (Objects::Custom, false) => problems.add(
            "objectTypeFullyQualifiedName",
            "MISSING_TARGET",
            format!("app event {uid} is on custom objects; the occurrence needs `objectTypeFullyQualifiedName`"),
        ),
        (Objects::Custom, true) | (_, false) => {}
        (_, true) => problems.add(
            "objectTypeFullyQualifiedName",
            "TARGET_NOT_ALLOWED",
            format!("app event {uid} is on {on}; only custom-object types take `objectTypeFullyQualifiedName`"),
        ),
    }
}

/// Reads the `properties` object and checks every value against the type.
fn read_properties(
    properties: Option<&Json<'_>>,
    kind: Option<&AppEventType>,
    problems: &mut Problems,
) -> Option<BTreeMap<String, String>> {
    let properties = match properties {
        Some(Json::Object(properties)) => properties,
        Some(_) => {
            problems.add(
                "properties",
                "INVALID_TYPE",
                "`properties` must be a JSON object of property names to string values",
            );
            return None;
        }
        None => {
            problems.add(
                "properties",
                "REQUIRED",
                "`properties` is required; send {} for an occurrence without properties",
            );
            return None;
        }
    };
    let properties: BTreeMap<&str, &Json<'_>> = properties.iter().map(|(name, value)| (name.as_ref(), value)).collect();
    let mut values = BTreeMap::new();
    for (name, value) in properties {
        let location = format!("properties.{name}");
        let Json::String(text) = value else {
            problems.add(
                &location,
                "INVALID_PROPERTY_TYPE",
                format!(
                    "property `{name}` must be a JSON string, not {}; send it as \"{}\"",
                    value.kind(),
                    unquoted(value)
                ),
            );
            continue;
        };
        if let Some(kind) = kind {
            match kind.properties.iter().find(|property| property.name == name) {
                None => {
                    let known: Vec<&str> = kind.properties.iter().map(|property| property.name.as_str()).collect();
                    problems.add(
                        &location,
                        "UNKNOWN_PROPERTY",
                        format!(
                            "app event {} has no property `{name}`; its properties are: {}",
                            kind.uid,
                            if known.is_empty() { "(none)".to_owned() } else { known.join(", ") }
                        ),
                    );
                }
                Some(property) => {
                    if let Err(message) = check_value(property, text) {
                        problems.add(&location, "INVALID_PROPERTY_VALUE", message);
                    }
                }
            }
        }
        values.insert(name.to_owned(), text.as_ref().to_owned());
    }
    Some(values)
}

/// Checks a property's text against its kind.
fn check_value(property: &Token, text: &str) -> Result<(), String> {
    let name = &property.name;
    match property.kind {
        Kind::String => Ok(()),
        Kind::Number => match text.parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(()),
            _ => Err(format!("property `{name}` is a number; \"{text}\" is not a decimal number such as \"412.5\"")),
        },
        Kind::Date => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            let epoch_millis =
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && text.parse::<i64>().is_ok();
            let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok();
            let date_time = chrono::DateTime::parse_from_rfc3339(text).is_ok();
            if epoch_millis || date || date_time {
                Ok(())
            } else {
                Err(format!(
                    "property `{name}` is a date and takes epoch milliseconds such as \"1777886100000\", \
                     a date such as \"2026-05-04\" or an RFC 3339 date-time; got \"{text}\""
                ))
            }
        }
        Kind::Enumeration => {
            if property.options.iter().any(|option| option.value == text) {
                Ok(())
            } else {
                let values: Vec<&str> = property.options.iter().map(|option| option.value.as_str()).collect();
                Err(format!(
                    "property `{name}` has value \"{text}\", which is not one of its options: {}",
                    values.join(", ")
                ))
            }
        }
    }
}
