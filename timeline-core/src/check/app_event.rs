//! The check of an app-event occurrence against the app-event type it
//! names, of a request's occurrences together (an id once per type), and
//! HubSpot's 400 for a request with invalid ones.

use std::collections::{BTreeMap, HashMap};

use super::event_types::EventTypes;
use super::fields::{Fields, Problems, Words, check_target, list, on, optional_string, read_values};
use super::json::Json;
use super::{Invalid, Shape, Valid};
use crate::wire::{ApiError, AppEventOccurrence, ErrorDetail};

/// The fields of an `AppEventOccurrence`: any other is refused.
pub const APP_EVENT_FIELDS: [&str; 11] = [
    "id",
    "objectId",
    "objectTypeFullyQualifiedName",
    "email",
    "utk",
    "domain",
    "timestamp",
    "properties",
    "extraData",
    "timelineIFrame",
    "eventTypeName",
];

/// An app event's words: `properties` of an `occurrence`.
const PROPERTIES: Words = Words {
    field: "properties",
    item: "property",
    items: "properties",
    input: "occurrence",
    code: "PROPERTY",
    kind_suffix: "",
    numbers_as_text: false,
    calendar_dates: true,
    object_type: "objectTypeFullyQualifiedName",
    object_type_is_target: true,
};

/// Checks one occurrence against the app-event type its `eventTypeName`
/// (a `uid` or another name of it in `types`) names, as HubSpot's
/// app-events API does: the occurrence read into the wire model, with its
/// type's `uid` as [`Valid::event_type`], or every problem found. A date
/// property takes epoch milliseconds, `YYYY-MM-DD` or RFC 3339.
///
/// ```
/// use timeline_core::check::{self, EventTypes, Json};
/// let definition = r#"{"uid": "webinar_registered", "type": "app-event",
///     "config": {"name": "Webinar registered", "objectType": "COMPANY",
///                "properties": [{"name": "seats", "label": "Seats", "type": "number"}]}}"#;
/// let mut types = EventTypes::new();
/// types.insert(timeline_template::definition::parse(definition).unwrap()).unwrap();
///
/// let input: Json<'_> = serde_json::from_str(
///     r#"{"eventTypeName": "webinar_registered", "id": "r-1", "email": "ada@example.com", "properties": {}}"#,
/// ).unwrap();
/// let invalid = check::app_event(&input, &types).unwrap_err();
/// let codes: Vec<_> = invalid.problems.iter().filter_map(|problem| problem.code.as_deref()).collect();
/// assert_eq!(codes, ["TARGET_NOT_ALLOWED", "MISSING_TARGET"]);
/// ```
pub fn app_event(input: &Json<'_>, types: &EventTypes) -> Result<Valid<AppEventOccurrence>, Invalid> {
    let mut problems = Problems::default();
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
        if !APP_EVENT_FIELDS.contains(&name.as_ref()) {
            let hint = match name.as_ref() {
                "eventTemplateId" => "; app events name their type in `eventTypeName`",
                "tokens" => "; app events send their values in `properties`",
                _ => "",
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
    let definition = event_type_name.as_deref().and_then(|name| {
        let definition = types.app_event(name);
        if definition.is_none() {
            problems.add(
                "eventTypeName",
                "UNKNOWN_EVENT_TYPE",
                format!(
                    "app event type `{name}` does not exist in this app; its types are: {}",
                    list(&types.app_event_uids())
                ),
            );
        }
        definition
    });
    let properties = read_values(&PROPERTIES, input.get("properties"), definition, &mut problems);
    let fields = Fields::read(&PROPERTIES, input, &mut problems);
    fields.check(&PROPERTIES, &mut problems);
    if let Some(definition) = definition {
        check_target(&PROPERTIES, definition, fields.given(), &mut problems);
        check_object_type(definition, fields.object_type.is_some(), &mut problems);
    }

    match (definition, event_type_name, id.clone(), properties) {
        (Some(definition), Some(event_type_name), Some(id), Some(properties)) if problems.is_empty() => Ok(Valid::of(
            AppEventOccurrence {
                event_type_name,
                id,
                properties,
                object_id: fields.object_id,
                object_type_fully_qualified_name: fields.object_type,
                email: fields.email,
                utk: fields.utk,
                domain: fields.domain,
                timestamp: fields.timestamp,
                extra_data: fields.extra_data,
                timeline_i_frame: fields.timeline_i_frame,
            },
            definition,
        )),
        _ => Err(Invalid { id, problems: problems.0 }),
    }
}

/// Checks `objectTypeFullyQualifiedName`: required on custom objects, refused elsewhere.
fn check_object_type(definition: &timeline_template::Definition, given: bool, problems: &mut Problems) {
    let uid = definition.event_type();
    match (definition.custom_object, given) {
        (true, false) => problems.add(
            "objectTypeFullyQualifiedName",
            "MISSING_TARGET",
            format!("app event {uid} is on custom objects; the occurrence needs `objectTypeFullyQualifiedName`"),
        ),
        (true, true) | (false, false) => {}
        (false, true) => problems.add(
            "objectTypeFullyQualifiedName",
            "TARGET_NOT_ALLOWED",
            format!(
                "app event {uid} is on {}; only custom-object types take `objectTypeFullyQualifiedName`",
                on(definition)
            ),
        ),
    }
}

/// Checks the occurrences of one request, as HubSpot does before it stores
/// all of them or none: each with [`app_event`], and an occurrence whose
/// (type, id) an earlier one of the request has is refused
/// (`DUPLICATE_ID`).
pub fn app_event_batch(inputs: &[Json<'_>], types: &EventTypes) -> Vec<Result<Valid<AppEventOccurrence>, Invalid>> {
    let mut first_index: HashMap<(String, String), usize> = HashMap::new();
    inputs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let valid = app_event(input, types)?;
            let key = (valid.event_type.clone(), valid.input.id.clone());
            match first_index.get(&key) {
                Some(first) => {
                    let mut problem = ErrorDetail::new(format!(
                        "occurrence id `{}` of app event {} is also the id of inputs[{first}]; \
                         ids must be unique per event type",
                        key.1, key.0
                    ));
                    problem.code = Some("DUPLICATE_ID".to_owned());
                    problem.in_ = Some("id".to_owned());
                    Err(Invalid { id: Some(key.1), problems: vec![problem] })
                }
                None => {
                    first_index.insert(key, index);
                    Ok(valid)
                }
            }
        })
        .collect()
}

/// HubSpot's 400 body (`Error`, category `VALIDATION_ERROR`) for an
/// app-event request with invalid occurrences, `checked` being what
/// [`app_event_batch`] found: one detail per problem, located by input
/// index (see [`Shape::location`]), each with the input's index and id as
/// context. Its `correlationId` is left for the caller to fill in.
pub fn app_event_refusal<T>(checked: Vec<Result<T, Invalid>>, shape: Shape) -> ApiError {
    let total = checked.len();
    let mut details = Vec::new();
    let mut indexes = Vec::new();
    let mut ids = Vec::new();
    for (index, invalid) in checked.into_iter().enumerate().filter_map(|(index, checked)| Some((index, checked.err()?)))
    {
        indexes.push(index.to_string());
        let mut context = BTreeMap::from([("index".to_owned(), vec![index.to_string()])]);
        if let Some(id) = &invalid.id {
            ids.push(id.clone());
            context.insert("id".to_owned(), vec![id.clone()]);
        }
        details.extend(invalid.problems.into_iter().map(|mut problem| {
            problem.in_ = Some(shape.location(index, problem.in_.as_deref().unwrap_or("")));
            problem.context = Some(context.clone());
            problem
        }));
    }
    let message = match shape {
        Shape::Single => format!(
            "The occurrence is invalid, so it was not stored: {}",
            details.iter().map(|detail| detail.message.as_str()).collect::<Vec<_>>().join("; ")
        ),
        Shape::Batch => format!(
            "{} of {total} occurrences are invalid, so none was stored; fix or drop them and resend.",
            indexes.len()
        ),
    };
    let mut context = BTreeMap::from([("indexes".to_owned(), indexes)]);
    if !ids.is_empty() {
        context.insert("ids".to_owned(), ids);
    }
    ApiError {
        status: Some("error".to_owned()),
        category: "VALIDATION_ERROR".to_owned(),
        message,
        context: Some(context),
        errors: details,
        ..ApiError::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> EventTypes {
        let mut types = EventTypes::new();
        for text in [
            r#"{"uid": "webinar", "type": "app-event", "config": {"name": "W", "objectType": "CONTACT",
                "properties": [{"name": "on", "type": "date"}, {"name": "seats", "type": "number"}]}}"#,
            r#"{"uid": "shipped", "type": "app-event", "config": {"name": "S", "supportsCustomObject": true}}"#,
        ] {
            types.insert(timeline_template::definition::parse(text).unwrap()).unwrap();
        }
        types
    }

    fn check(text: &str) -> Result<Valid<AppEventOccurrence>, Invalid> {
        app_event(&serde_json::from_str(text).unwrap(), &types())
    }

    fn codes(invalid: &Invalid) -> Vec<(&str, &str)> {
        invalid
            .problems
            .iter()
            .map(|problem| (problem.in_.as_deref().unwrap_or(""), problem.code.as_deref().unwrap_or("")))
            .collect()
    }

    #[test]
    fn dates_take_calendar_forms_and_numbers_must_be_strings() {
        for on in ["1777886100000", "2026-05-04", "2026-05-04T09:15:00Z"] {
            let text = format!(
                r#"{{"eventTypeName": "webinar", "id": "r", "email": "a@b.co", "properties": {{"on": "{on}"}}}}"#
            );
            assert_eq!(check(&text).unwrap().input.properties["on"], on);
        }
        let invalid = check(
            r#"{"eventTypeName": "webinar", "id": "r", "email": "a@b.co", "properties": {"seats": 3, "on": "May"}}"#,
        )
        .unwrap_err();
        assert_eq!(
            codes(&invalid),
            [("properties.on", "INVALID_PROPERTY_VALUE"), ("properties.seats", "INVALID_PROPERTY_TYPE")]
        );
    }

    #[test]
    fn custom_objects_need_their_object_type_and_others_refuse_it() {
        let shipped =
            check(r#"{"eventTypeName": "shipped", "id": "s", "objectId": "9", "properties": {}}"#).unwrap_err();
        assert_eq!(codes(&shipped), [("objectTypeFullyQualifiedName", "MISSING_TARGET")]);
        let valid = check(
            r#"{"eventTypeName": "shipped", "id": "s", "objectId": "9", "objectTypeFullyQualifiedName": "p_cars", "properties": {}}"#,
        )
        .unwrap();
        assert_eq!((valid.event_type.as_str(), valid.object_type.as_str()), ("shipped", "custom_objects"));
        let webinar = check(
            r#"{"eventTypeName": "webinar", "id": "r", "objectId": "9", "objectTypeFullyQualifiedName": "p", "properties": {}}"#,
        )
        .unwrap_err();
        assert!(webinar.problems[0].message.contains("is on CONTACT"), "{webinar:?}");
    }

    #[test]
    fn a_repeated_id_is_refused_and_the_refusal_locates_every_problem() {
        let body: Json<'_> = serde_json::from_str(
            r#"[{"eventTypeName": "webinar", "id": "r", "email": "a@b.co", "properties": {}},
                {"eventTypeName": "webinar", "id": "r", "utk": "u", "properties": {}},
                {"eventTypeName": "nope", "id": "x", "properties": {}}]"#,
        )
        .unwrap();
        let Json::Array(inputs) = body else { panic!("an array") };
        let checked = app_event_batch(&inputs, &types());
        assert!(checked[0].is_ok());
        assert_eq!(codes(checked[1].as_ref().unwrap_err()), [("id", "DUPLICATE_ID")]);
        let refusal = app_event_refusal(checked, Shape::Batch);
        assert_eq!(refusal.message, "2 of 3 occurrences are invalid, so none was stored; fix or drop them and resend.");
        let context = refusal.context.unwrap();
        assert_eq!(
            (context["indexes"].clone(), context["ids"].clone()),
            (vec!["1".into(), "2".into()], vec!["r".into(), "x".into()])
        );
        let located: Vec<&str> = refusal.errors.iter().filter_map(|detail| detail.in_.as_deref()).collect();
        assert_eq!(located, ["inputs[1].id", "inputs[2].eventTypeName"]);
        assert!(refusal.correlation_id.is_empty(), "the caller's to fill in");
    }
}
