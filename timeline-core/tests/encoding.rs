//! The encoder's JSON: exact shape, escaping, per-event errors, and agreement
//! with the serde wire model.

mod common;

use chrono::{TimeZone, Utc};
use common::{Probe, encoded_json, object, wire_json};
use proptest::prelude::*;
use serde_json::{Value, json};
use timeline_core::wire::TimelineEventIFrame;
use timeline_core::{EncodeError, EncodedInput, EventKind, InputFields, Target, TimelineEvent, TokenWriter};

fn full_probe() -> Probe {
    Probe {
        id: Some("ci-build-7731".into()),
        object_id: Some("5120345".into()),
        email: Some("dev@example.com".into()),
        utk: Some("utk-1".into()),
        domain: Some("example.com".into()),
        timestamp: Some(Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap()),
        text: "7731".into(),
        count: -3,
        ratio: 412.5,
        maybe: Some(9),
        extra: Some(json!({"failedSteps": [{"name": "integration-tests", "exitCode": 2}]})),
        iframe: Some(TimelineEventIFrame {
            link_label: "Open build log".into(),
            header_label: "Build 7731".into(),
            url: "https://ci.example.com/builds/7731".into(),
            width: 800,
            height: 600,
        }),
    }
}

#[test]
fn a_full_event_encodes_every_field() {
    let mut out = Vec::new();
    let probe = full_probe();
    let id = timeline_core::encode_input(&probe, &mut out).unwrap();
    assert_eq!(id, "ci-build-7731");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        concat!(
            r#"{"eventTemplateId":"1001298","tokens":{"text":"7731","count":"-3","ratio":"412.5","maybe":"9"},"#,
            r#""objectId":"5120345","email":"dev@example.com","utk":"utk-1","#,
            r#""domain":"example.com","timestamp":"2026-05-04T09:15:00.000Z","#,
            r#""extraData":{"failedSteps":[{"exitCode":2,"name":"integration-tests"}]},"#,
            r#""timelineIFrame":{"linkLabel":"Open build log","headerLabel":"Build 7731","#,
            r#""url":"https://ci.example.com/builds/7731","width":800,"height":600},"id":"ci-build-7731"}"#
        )
    );
}

#[test]
fn the_encoder_agrees_with_the_wire_model() {
    let event = full_probe();
    assert_eq!(encoded_json(&event).unwrap(), wire_json(&event).unwrap());
    let minimal = Probe::about("1", "");
    assert_eq!(encoded_json(&minimal).unwrap(), wire_json(&minimal).unwrap());
}

#[test]
fn quotes_control_characters_and_non_ascii_text_round_trip() {
    let nasty = "say \"hi\"\\ \u{0}\u{1}\u{1f}\t\n\r é 漢字 🐕 \u{2028}";
    let mut event = Probe::about("1", nasty);
    event.extra = Some(object(nasty, Value::String(nasty.into())));
    event.email = Some(format!("{nasty}@example.com"));
    let json = encoded_json(&event).unwrap();
    assert_eq!(json["tokens"]["text"], nasty);
    assert_eq!(json["extraData"][nasty], nasty);
    assert_eq!(json["email"], format!("{nasty}@example.com"));
    let raw = {
        let mut out = Vec::new();
        timeline_core::encode_input(&event, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(raw.contains(r#"say \"hi\"\\ \u0000\u0001\u001f\t\n\r é 漢字 🐕"#), "{raw}");
}

#[test]
fn none_tokens_and_absent_parts_are_left_out() {
    let json = encoded_json(&Probe::about("42", "x")).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["eventTemplateId", "id", "objectId", "tokens"]);
    assert!(json["tokens"].get("maybe").is_none());
}

#[test]
fn extra_data_that_serializes_to_null_is_left_out() {
    let mut event = Probe::about("42", "x");
    event.extra = Some(Value::Null);
    let json = encoded_json(&event).unwrap();
    assert!(json.get("extraData").is_none(), "{json}");
    assert_eq!(json, wire_json(&event).unwrap());
}

/// Recognizes the error a case expects.
type ExpectedError = fn(&EncodeError) -> bool;

#[test]
fn per_event_errors_leave_the_buffer_as_it_was() {
    let mut out = b"[previous,".to_vec();
    let cases: Vec<(Probe, ExpectedError)> = vec![
        (Probe { ratio: f64::NAN, ..Probe::about("1", "x") }, |e| {
            matches!(e, EncodeError::NonFiniteNumber { token: "ratio", .. })
        }),
        (Probe { text: "x".into(), ..Probe::default() }, |e| matches!(e, EncodeError::NoTarget)),
        (Probe { extra: Some(json!([1, 2])), ..Probe::about("1", "x") }, |e| {
            matches!(e, EncodeError::ExtraDataNotObject { found: "an array" })
        }),
        (Probe { extra: Some(json!("text")), ..Probe::about("1", "x") }, |e| {
            matches!(e, EncodeError::ExtraDataNotObject { found: "a string" })
        }),
        (
            Probe { timestamp: Some(Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap()), ..Probe::about("1", "x") },
            |e| matches!(e, EncodeError::TimestampOutOfRange(_)),
        ),
    ];
    for (event, expected) in cases {
        let error = timeline_core::encode_input(&event, &mut out).unwrap_err();
        assert!(expected(&error), "unexpected error {error:?}");
        assert_eq!(out, b"[previous,", "nothing is appended on {error}");
        let wire_error = timeline_core::to_wire(&event).unwrap_err();
        assert_eq!(format!("{wire_error:?}"), format!("{error:?}"), "to_wire fails the same way");
    }
}

#[test]
fn the_no_target_error_says_how_to_fix_it() {
    let error = timeline_core::encode_input(&Probe::default(), &mut Vec::new()).unwrap_err();
    assert_eq!(error.to_string(), "the event names no record: give it an object id, an email or a utk");
}

#[test]
fn encoded_inputs_keep_template_id_and_bytes() {
    let event = full_probe();
    let input = EncodedInput::new(&event).unwrap();
    assert_eq!(input.event_type(), Probe::EVENT_TYPE);
    assert_eq!(input.id(), "ci-build-7731");
    let parsed: Value = serde_json::from_slice(input.json()).unwrap();
    assert_eq!(parsed, encoded_json(&event).unwrap());
}

#[test]
fn tokens_returns_the_map_hubspot_receives() {
    let tokens = full_probe().tokens().unwrap();
    let expected: Vec<(&str, &str)> = vec![("count", "-3"), ("maybe", "9"), ("ratio", "412.5"), ("text", "7731")];
    assert_eq!(tokens.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(), expected);
}

fn any_json_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

prop_compose! {
    fn any_probe()(
        id in proptest::option::of("[^{]{1,40}"),
        object_id in proptest::option::of("[0-9]{1,12}"),
        email in proptest::option::of(".{1,30}"),
        millis in proptest::option::of(-62_000_000_000_000i64..253_000_000_000_000i64),
        text in any::<String>(),
        count in any::<i64>(),
        ratio in any::<f64>().prop_filter("finite", |x| x.is_finite()),
        maybe in any::<Option<u32>>(),
        extra in proptest::option::of(proptest::collection::btree_map(any::<String>(), any_json_scalar(), 0..4)),
    ) -> Probe {
        let object_id = if object_id.is_none() && email.is_none() { Some("1".to_owned()) } else { object_id };
        Probe {
            id,
            object_id,
            email,
            timestamp: millis.and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
            text,
            count,
            ratio,
            maybe,
            extra: extra.map(|map| Value::Object(map.into_iter().collect())),
            ..Probe::default()
        }
    }
}

/// The fields of `probe` as values: what a line of JSON or a relayed
/// request gives [`InputFields`], tokens in the order the probe writes them.
fn fields_of(probe: &Probe) -> InputFields {
    let mut tokens = std::collections::BTreeMap::new();
    probe.write_tokens(&mut TokenWriter::map(&mut tokens)).unwrap();
    let target = probe.target();
    InputFields {
        kind: EventKind::Timeline,
        event_type: Probe::EVENT_TYPE.to_owned(),
        tokens: Probe::TOKENS
            .iter()
            .filter_map(|spec| tokens.get(spec.name).map(|text| (spec.name.to_owned(), text.clone())))
            .collect(),
        target: Target {
            object_id: target.object_id.map(|id| id.into_owned().into()),
            email: target.email.map(|email| email.into_owned().into()),
            ..Target::default()
        },
        timestamp: probe.timestamp,
        extra_data: probe.extra.as_ref().and_then(|extra| extra.as_object().cloned()),
        timeline_iframe: None,
        id: probe.id.clone(),
    }
}

proptest! {
    #[test]
    fn fields_read_at_run_time_encode_to_the_typed_events_bytes_and_id(event in any_probe()) {
        let mut typed = Vec::new();
        let typed_id = timeline_core::encode_input(&event, &mut typed).map(|id| id.into_owned());
        let mut fields = Vec::new();
        let fields_id = fields_of(&event).encode(None, &mut fields);
        prop_assert_eq!(&typed_id, &fields_id);
        prop_assert_eq!(String::from_utf8(typed).unwrap(), String::from_utf8(fields).unwrap());
        if typed_id.is_ok() && event.id.is_none() {
            prop_assert_eq!(typed_id.unwrap(), timeline_core::event_id(&event).unwrap());
        }
    }

    #[test]
    fn encoder_bytes_parse_to_the_wire_models_json(event in any_probe()) {
        prop_assert_eq!(encoded_json(&event).unwrap(), wire_json(&event).unwrap());
    }

    #[test]
    fn any_text_survives_encoding(text in any::<String>()) {
        let json = encoded_json(&Probe::about("1", &text)).unwrap();
        prop_assert_eq!(json["tokens"]["text"].as_str(), Some(text.as_str()));
    }

    #[test]
    fn integers_and_floats_read_back_exactly(count in any::<i64>(), ratio in any::<f64>()) {
        let event = Probe { count, ratio, ..Probe::about("1", "x") };
        match encoded_json(&event) {
            Ok(json) => {
                prop_assert!(ratio.is_finite());
                prop_assert_eq!(json["tokens"]["count"].as_str().unwrap().parse::<i64>().unwrap(), count);
                let text = json["tokens"]["ratio"].as_str().unwrap();
                prop_assert!(!text.contains(['e', 'E']), "no exponent in {}", text);
                prop_assert_eq!(text.parse::<f64>().unwrap(), ratio);
            }
            Err(error) => {
                prop_assert!(!ratio.is_finite());
                let is_non_finite = matches!(error, EncodeError::NonFiniteNumber { token: "ratio", .. });
                prop_assert!(is_non_finite);
            }
        }
    }

    #[test]
    fn timestamps_are_rfc3339_with_milliseconds(millis in -62_000_000_000_000i64..253_000_000_000_000i64) {
        let at = Utc.timestamp_millis_opt(millis).single().unwrap();
        let event = Probe { timestamp: Some(at), ..Probe::about("1", "x") };
        let json = encoded_json(&event).unwrap();
        let text = json["timestamp"].as_str().unwrap();
        prop_assert_eq!(text.len(), 24);
        prop_assert_eq!(chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis(), millis);
    }
}
