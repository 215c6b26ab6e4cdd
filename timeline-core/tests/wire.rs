//! The wire model against HubSpot's published OpenAPI file and the bodies
//! HubSpot is known to send.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use timeline_core::TokenKind;
use timeline_core::wire::*;

const OPENAPI: &str = include_str!("../../reference/openapi/timeline-v3.json");

/// Checks that `value` serializes to exactly the keys that `schema` allows
/// and that it has every key the schema requires.
fn assert_matches_schema<T: Serialize>(schema: &str, value: &T) {
    let spec: Value = serde_json::from_str(OPENAPI).unwrap();
    let schema_json = &spec["components"]["schemas"][schema];
    let allowed: BTreeSet<&str> = schema_json["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    let required: BTreeSet<&str> =
        schema_json["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let json = serde_json::to_value(value).unwrap();
    let keys: BTreeSet<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    let unknown: Vec<_> = keys.difference(&allowed).collect();
    let missing: Vec<_> = required.difference(&keys).collect();
    assert!(unknown.is_empty(), "{schema}: keys not in the spec: {unknown:?}");
    assert!(missing.is_empty(), "{schema}: required keys missing: {missing:?}");
}

fn iframe() -> TimelineEventIFrame {
    TimelineEventIFrame {
        link_label: "l".into(),
        header_label: "h".into(),
        url: "https://x".into(),
        width: 1,
        height: 2,
    }
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap()
}

fn event_response() -> TimelineEventResponse {
    let mut response = TimelineEventResponse::new("e", "contacts", "1");
    response.tokens = [("a".to_owned(), "b".to_owned())].into();
    response.object_id = Some("2".into());
    response.email = Some("a@example.com".into());
    response.utk = Some("u".into());
    response.domain = Some("d".into());
    response.timestamp = Some(at());
    response.extra_data = Some(serde_json::Map::new());
    response.timeline_i_frame = Some(iframe());
    response.created_at = Some(at());
    response.custom_object_type_id = Some("2-1".into());
    response
}

fn token() -> TimelineEventTemplateToken {
    TimelineEventTemplateToken {
        name: "outcome".into(),
        label: "Outcome".into(),
        kind: TokenKind::Enumeration,
        options: vec![TimelineEventTemplateTokenOption { label: "Failed".into(), value: "failed".into() }],
        object_property_name: Some("prop".into()),
        created_at: Some(at()),
        updated_at: Some(at()),
    }
}

fn standard_error() -> StandardError {
    let mut detail = ErrorDetail::new("m");
    detail.code = Some("c".into());
    detail.in_ = Some("tokens.a".into());
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
fn every_body_uses_the_specs_field_names() {
    let input = TimelineEventInput {
        event_template_id: "1".into(),
        id: Some("e".into()),
        tokens: [("a".to_owned(), "b".to_owned())].into(),
        object_id: Some("2".into()),
        email: Some("a@example.com".into()),
        utk: Some("u".into()),
        domain: Some("d".into()),
        timestamp: Some(at()),
        extra_data: Some(serde_json::Map::new()),
        timeline_i_frame: Some(iframe()),
        custom_object_type_id: Some("2-1".into()),
    };
    assert_matches_schema("TimelineEvent", &input);
    assert_matches_schema("BatchInputTimelineEvent", &BatchInputTimelineEvent { inputs: vec![input] });
    assert_matches_schema("TimelineEventIFrame", &iframe());
    assert_matches_schema("TimelineEventResponse", &event_response());
    let mut created =
        BatchResponseTimelineEventResponse::new(BatchStatus::Complete, vec![event_response()], at(), at());
    created.requested_at = Some(at());
    created.links = Some(Default::default());
    assert_matches_schema("BatchResponseTimelineEventResponse", &created);
    let mut partial =
        BatchResponseTimelineEventResponseWithErrors::new(BatchStatus::Complete, vec![event_response()], at(), at())
            .with_errors(vec![standard_error()]);
    partial.requested_at = Some(at());
    partial.links = Some(Default::default());
    assert_matches_schema("BatchResponseTimelineEventResponseWithErrors", &partial);
    assert_matches_schema("StandardError", &standard_error());
    assert_matches_schema("ErrorDetail", &standard_error().errors[0]);
    let mut error = ApiError::default();
    error.category = "VALIDATION_ERROR".into();
    error.correlation_id = "c".into();
    error.message = "m".into();
    error.sub_category = Some("s".into());
    error.context = Some(Default::default());
    error.links = Some(Default::default());
    error.errors = standard_error().errors;
    assert_matches_schema("Error", &error);
    let template = TimelineEventTemplate {
        id: "1".into(),
        name: "n".into(),
        object_type: "contacts".into(),
        tokens: vec![token()],
        header_template: Some("h".into()),
        detail_template: Some("d".into()),
        created_at: Some(at()),
        updated_at: Some(at()),
    };
    assert_matches_schema("TimelineEventTemplate", &template);
    assert_matches_schema(
        "CollectionResponseTimelineEventTemplateNoPaging",
        &CollectionResponseTimelineEventTemplateNoPaging::new(vec![template]),
    );
    assert_matches_schema("TimelineEventTemplateToken", &token());
    assert_matches_schema("TimelineEventTemplateTokenOption", &token().options[0]);
    assert_matches_schema(
        "TimelineEventTemplateCreateRequest",
        &TimelineEventTemplateCreateRequest {
            name: "n".into(),
            object_type: "contacts".into(),
            tokens: vec![token()],
            header_template: Some("h".into()),
            detail_template: Some("d".into()),
        },
    );
    assert_matches_schema(
        "TimelineEventTemplateUpdateRequest",
        &TimelineEventTemplateUpdateRequest {
            id: "1".into(),
            name: "n".into(),
            tokens: vec![token()],
            header_template: Some("h".into()),
            detail_template: Some("d".into()),
        },
    );
    assert_matches_schema(
        "TimelineEventTemplateTokenUpdateRequest",
        &TimelineEventTemplateTokenUpdateRequest {
            label: "l".into(),
            options: vec![],
            object_property_name: Some("p".into()),
        },
    );
}

#[test]
fn a_207_body_from_the_reference_parses() {
    let body = r#"{
      "status": "COMPLETE",
      "results": [{"objectType": "contacts", "id": "ci-1", "eventTemplateId": "1004521", "objectId": "5120345",
                   "timestamp": "2026-05-04T09:15:00Z", "tokens": {"buildNumber": "7731", "petAge": 3, "ok": true},
                   "someFieldHubSpotAddsLater": {"x": 1}}],
      "numErrors": 1,
      "errors": [{"status": "error", "category": "VALIDATION_ERROR",
                  "message": "Token 'outcome' has value 'exploded', which is not one of its options",
                  "context": {"id": ["ci-2"]}, "links": {},
                  "errors": [{"message": "invalid enumeration value", "in": "tokens.outcome"}]}],
      "requestedAt": "2026-05-04T09:20:01.112Z",
      "startedAt": "2026-05-04T09:20:01.140Z",
      "completedAt": "2026-05-04T09:20:01.655Z"
    }"#;
    let batch: BatchResponseTimelineEventResponseWithErrors = serde_json::from_str(body).unwrap();
    assert_eq!(batch.results[0].tokens["petAge"], "3", "numbers echoed back are read as text");
    assert_eq!(batch.results[0].tokens["ok"], "true");
    assert_eq!(batch.num_errors, Some(1));
    assert_eq!(batch.errors[0].context["id"], ["ci-2"]);
    assert_eq!(batch.errors[0].errors[0].in_.as_deref(), Some("tokens.outcome"));
}

#[test]
fn unknown_batch_statuses_and_rate_limit_policies_fall_back() {
    let status: BatchStatus = serde_json::from_str(r#""ARCHIVED""#).unwrap();
    assert_eq!(status, BatchStatus::Unknown);
    let body = r#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.",
                   "errorType":"RATE_LIMIT","correlationId":"c","policyName":"TEN_SECONDLY_ROLLING","requestId":"r"}"#;
    let limit: RateLimitError = serde_json::from_str(body).unwrap();
    assert_eq!(limit.policy_name, Some(RateLimitPolicy::TenSecondlyRolling));
    let other: RateLimitError = serde_json::from_str(r#"{"policyName":"MINUTELY"}"#).unwrap();
    assert_eq!(other.policy_name, Some(RateLimitPolicy::Unknown));
}

#[test]
fn error_bodies_parse_in_every_known_shape() {
    let current: ApiError = serde_json::from_str(
        r#"{"category":"VALIDATION_ERROR","correlationId":"c","message":"m","errors":[{"message":"d"}]}"#,
    )
    .unwrap();
    assert_eq!(current.errors[0].message, "d");
    let older: ApiError =
        serde_json::from_str(r#"{"status":"error","message":"Invalid input JSON","correlationId":"c"}"#).unwrap();
    assert_eq!(older.status.as_deref(), Some("error"));
    assert_eq!(older.category, "");
    let empty: ApiError = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, ApiError::default());
}

#[test]
fn non_scalar_token_values_in_a_response_are_refused_with_the_token_named() {
    let body = r#"{"id":"e","objectType":"contacts","eventTemplateId":"1","tokens":{"bad":[1]}}"#;
    let error = serde_json::from_str::<TimelineEventResponse>(body).unwrap_err();
    assert!(error.to_string().contains("token `bad`"), "{error}");
}

#[test]
fn templates_parse_with_and_without_options() {
    let body = r#"{"id":"1001298","name":"Pet adopted","objectType":"contacts","createdAt":null,
                   "tokens":[{"name":"petName","label":"Pet","type":"string"},
                             {"name":"breed","label":"Breed","type":"enumeration",
                              "options":[{"label":"Beagle","value":"beagle"}]}]}"#;
    let template: TimelineEventTemplate = serde_json::from_str(body).unwrap();
    assert!(template.tokens[0].options.is_empty());
    assert_eq!(template.tokens[1].kind, TokenKind::Enumeration);
    assert_eq!(template.tokens[1].options[0].value, "beagle");
    assert_eq!(template.created_at, None);
}
