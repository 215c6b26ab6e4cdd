//! The app-event wire model against HubSpot's published 2026-03 OpenAPI
//! file: every schema of the file has a model, every model writes exactly
//! the keys its schema allows (nested objects too) and every key it
//! requires, and HubSpot's bodies read back.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use timeline_core::wire::*;

const OPENAPI: &str = include_str!("../../reference/openapi/timeline-2026-03.json");

fn spec() -> Value {
    serde_json::from_str(OPENAPI).unwrap()
}

/// The schema a `$ref` names, by its last segment.
fn schema_named(spec: &Value, name: &str) -> Value {
    let schema = spec["components"]["schemas"][name].clone();
    assert!(schema.is_object(), "the 2026-03 file has no schema {name}");
    schema
}

fn referenced(spec: &Value, property: &Value) -> Option<Value> {
    let reference = property["$ref"].as_str().or_else(|| property["items"]["$ref"].as_str())?;
    Some(schema_named(spec, reference.rsplit('/').next().unwrap()))
}

/// Checks `json` against `schema`: no key the schema lacks, every key it
/// requires, and the same for every nested object the schema refers to.
fn check(spec: &Value, at: &str, schema: &Value, json: &Value) {
    let Some(object) = json.as_object() else { panic!("{at}: {json} is not an object") };
    let allowed: BTreeSet<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    let required: BTreeSet<&str> =
        schema["required"].as_array().map(|r| r.iter().map(|v| v.as_str().unwrap()).collect()).unwrap_or_default();
    let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
    let unknown: Vec<_> = keys.difference(&allowed).collect();
    let missing: Vec<_> = required.difference(&keys).collect();
    assert!(unknown.is_empty(), "{at}: keys not in the spec: {unknown:?}");
    assert!(missing.is_empty(), "{at}: required keys missing: {missing:?}");
    for (key, value) in object {
        let property = &schema["properties"][key];
        if let Some(nested) = referenced(spec, property) {
            match value {
                Value::Array(items) => {
                    assert!(!items.is_empty(), "{at}.{key}: give the test an item to check");
                    items.iter().for_each(|item| check(spec, &format!("{at}.{key}[]"), &nested, item));
                }
                other => check(spec, &format!("{at}.{key}"), &nested, other),
            }
        }
    }
}

fn assert_matches_schema<T: Serialize>(checked: &mut BTreeSet<&'static str>, name: &'static str, value: &T) {
    let spec = spec();
    check(&spec, name, &schema_named(&spec, name), &serde_json::to_value(value).unwrap());
    checked.insert(name);
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap()
}

fn occurrence() -> AppEventOccurrence {
    let mut occurrence = AppEventOccurrence::new("app_event", "webinar-reg-88121");
    occurrence.properties.insert("webinarName".into(), "Q2 roadmap".into());
    occurrence.object_id = Some("5120345".into());
    occurrence.object_type_fully_qualified_name = Some("p_webinars".into());
    occurrence.email = Some("ada@example.com".into());
    occurrence.utk = Some("u".into());
    occurrence.domain = Some("example.com".into());
    occurrence.timestamp = Some(at());
    occurrence.extra_data = Some(serde_json::Map::new());
    occurrence.timeline_i_frame = Some(TimelineEventIFrame {
        link_label: "l".into(),
        header_label: "h".into(),
        url: "https://x".into(),
        width: 1,
        height: 2,
    });
    occurrence
}

fn standard_error() -> StandardError {
    let mut detail = ErrorDetail::new("m");
    detail.code = Some("c".into());
    detail.in_ = Some("inputs[0].properties.webinarType".into());
    detail.sub_category = Some("s".into());
    detail.context = Some([("id".to_owned(), vec!["e".to_owned()])].into());
    let mut error = StandardError::default();
    error.status = "error".into();
    error.id = Some("x".into());
    error.category = "VALIDATION_ERROR".into();
    error.sub_category = Some(json!({}));
    error.message = "m".into();
    error.errors = vec![detail];
    error.context = [("id".to_owned(), vec!["e".to_owned()])].into();
    error.links = [("doc".to_owned(), "https://x".to_owned())].into();
    error
}

#[test]
fn every_schema_of_the_2026_03_file_has_a_model_with_its_field_names() {
    let mut checked = BTreeSet::new();
    assert_matches_schema(&mut checked, "AppEventOccurrence", &occurrence());
    assert_matches_schema(
        &mut checked,
        "BatchInputAppEventOccurrence",
        &BatchInputAppEventOccurrence { inputs: vec![occurrence()] },
    );
    let mut answer = BatchResponseAppEventOccurrence::new(BatchStatus::Complete, vec![occurrence()], at(), at());
    answer.num_errors = Some(1);
    answer.errors = vec![standard_error()];
    answer.requested_at = Some(at());
    answer.links = Some([("self".to_owned(), "https://x".to_owned())].into());
    assert_matches_schema(&mut checked, "BatchResponseAppEventOccurrence", &answer);
    assert_matches_schema(
        &mut checked,
        "ExternalAppEventResolutionRequest",
        &ExternalAppEventResolutionRequest { developer_symbol: "acme".into(), project_name: "webinars".into() },
    );
    let symbol = DeveloperQualifiedSymbol { developer_symbol: "acme".into(), project_name: "webinars".into() };
    assert_matches_schema(&mut checked, "DeveloperQualifiedSymbol", &symbol);
    assert_matches_schema(
        &mut checked,
        "AppEventResolutionResponse",
        &AppEventResolutionResponse::new("fq-name", symbol),
    );
    assert_matches_schema(&mut checked, "TimelineEventIFrame", occurrence().timeline_i_frame.as_ref().unwrap());
    assert_matches_schema(&mut checked, "StandardError", &standard_error());
    assert_matches_schema(&mut checked, "ErrorDetail", &standard_error().errors[0]);
    let mut error = ApiError::default();
    error.category = "VALIDATION_ERROR".into();
    error.correlation_id = "c".into();
    error.message = "m".into();
    error.sub_category = Some("s".into());
    error.context = Some(Default::default());
    error.links = Some(Default::default());
    error.errors = standard_error().errors;
    assert_matches_schema(&mut checked, "Error", &error);

    let spec = spec();
    let all: BTreeSet<&str> = spec["components"]["schemas"].as_object().unwrap().keys().map(String::as_str).collect();
    let unchecked: Vec<_> = all.iter().filter(|name| !checked.contains(**name)).collect();
    assert!(unchecked.is_empty(), "schemas of the 2026-03 file without a checked model: {unchecked:?}");
}

#[test]
fn the_required_keys_alone_make_an_occurrence() {
    let spec = spec();
    let minimal = AppEventOccurrence::new("app_event", "r-1");
    let json = serde_json::to_value(&minimal).unwrap();
    check(&spec, "AppEventOccurrence", &schema_named(&spec, "AppEventOccurrence"), &json);
    assert_eq!(json, json!({"eventTypeName": "app_event", "id": "r-1", "properties": {}}));
}

#[test]
fn the_batch_answer_of_the_reference_parses() {
    let body = r#"{"status":"COMPLETE",
      "results":[{"eventTypeName":"app_event","id":"webinar-reg-88121","objectId":"5120345",
                  "timestamp":"2026-05-04T09:15:00Z",
                  "properties":{"webinarName":"Q2 roadmap","seats":40,"recorded":true},
                  "someFieldHubSpotAddsLater":1}],
      "startedAt":"2026-05-04T09:20:01.140Z","completedAt":"2026-05-04T09:20:01.655Z"}"#;
    let answer: BatchResponseAppEventOccurrence = serde_json::from_str(body).unwrap();
    let stored = &answer.results[0];
    assert_eq!(stored.id, "webinar-reg-88121");
    assert_eq!(stored.timestamp, Some(at()));
    assert_eq!(stored.properties["seats"], "40", "numbers echoed back read as text");
    assert_eq!(stored.properties["recorded"], "true");
    assert!(answer.errors.is_empty() && answer.num_errors.is_none());
}

#[test]
fn the_resolution_answer_parses() {
    let body = r#"{"fullyQualifiedName":"ae-1234-webinars-app_event",
                   "developerQualifiedSymbol":{"developerSymbol":"acme","projectName":"webinars"}}"#;
    let answer: AppEventResolutionResponse = serde_json::from_str(body).unwrap();
    assert_eq!(answer.fully_qualified_name, "ae-1234-webinars-app_event");
    assert_eq!(answer.developer_qualified_symbol.developer_symbol, "acme");
}
