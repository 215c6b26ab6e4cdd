//! Deterministic ids: stable for the same content, different for different
//! content (extraData and the iframe included), the same through the typed
//! and the untyped derivation, and never used when the event has its own id,
//! which is checked.

mod common;

use chrono::{TimeZone, Utc};
use common::{Probe, encoded_json};
use serde_json::json;
use timeline_core::wire::TimelineEventIFrame;
use timeline_core::{AccountId, DerivedId, EncodeError, Target};

fn id(event: &Probe) -> String {
    timeline_core::event_id(event).unwrap()
}

#[test]
fn the_same_content_gets_the_same_id_every_time() {
    let event = Probe { count: 3, timestamp: Some(Utc.timestamp_millis_opt(1).unwrap()), ..Probe::about("9", "x") };
    let first = id(&event);
    assert_eq!(first, id(&event.clone()));
    assert!(first.starts_with("tl2-") && first.len() == 36, "{first}");
    assert!(first[4..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(encoded_json(&event).unwrap()["id"], first.as_str(), "the encoder sends the same id");
}

#[test]
fn template_target_timestamp_and_tokens_each_change_the_id() {
    let base = Probe { timestamp: Some(Utc.timestamp_millis_opt(1_000).unwrap()), ..Probe::about("9", "x") };
    let variants = [
        Probe { object_id: Some("10".into()), ..base.clone() },
        Probe { email: Some("a@example.com".into()), ..base.clone() },
        Probe { utk: Some("u".into()), ..base.clone() },
        Probe { domain: Some("example.com".into()), ..base.clone() },
        Probe { timestamp: Some(Utc.timestamp_millis_opt(1_001).unwrap()), ..base.clone() },
        Probe { timestamp: None, ..base.clone() },
        Probe { text: "y".into(), ..base.clone() },
        Probe { count: 1, ..base.clone() },
        Probe { maybe: Some(0), ..base.clone() },
        Probe { extra: Some(json!({"note": "more"})), ..base.clone() },
        Probe { extra: Some(json!({"note": "other"})), ..base.clone() },
        Probe { iframe: Some(iframe("Open")), ..base.clone() },
        Probe { iframe: Some(iframe("Close")), ..base.clone() },
    ];
    let mut seen = std::collections::BTreeSet::from([id(&base)]);
    for variant in &variants {
        assert!(seen.insert(id(variant)), "{variant:?} collides");
    }
}

#[test]
fn framing_keeps_shifted_text_apart() {
    let a = Probe { email: Some("ab".into()), text: "c".into(), ..Probe::about("1", "") };
    let b = Probe { email: Some("a".into()), text: "bc".into(), ..Probe::about("1", "") };
    assert_ne!(id(&a), id(&b));
}

fn iframe(label: &str) -> TimelineEventIFrame {
    TimelineEventIFrame {
        link_label: label.into(),
        header_label: "Log".into(),
        url: "https://example.com/log".into(),
        width: 800,
        height: 600,
    }
}

#[test]
fn extra_data_key_order_does_not_change_the_id() {
    let first = Probe { extra: Some(json!({"a": 1, "b": {"d": [1, 2], "c": "x"}})), ..Probe::about("9", "x") };
    let mut reordered = serde_json::Map::new();
    reordered.insert("b".into(), json!({"c": "x", "d": [1, 2]}));
    reordered.insert("a".into(), json!(1));
    let second = Probe { extra: Some(serde_json::Value::Object(reordered)), ..first.clone() };
    assert_eq!(id(&first), id(&second));
}

#[test]
fn the_untyped_derivation_gives_the_typed_id() {
    let event = Probe {
        email: Some("ada@example.com".into()),
        timestamp: Some(Utc.timestamp_millis_opt(1_777_886_100_000).unwrap()),
        count: 3,
        ratio: 0.5,
        extra: Some(json!({"k": [true, null]})),
        iframe: Some(iframe("Open")),
        ..Probe::about("42", "hello")
    };
    let wire = timeline_core::to_wire(&event).unwrap();
    let target = Target { object_id: Some("42".into()), email: Some("ada@example.com".into()), ..Target::default() };
    let mut derived = DerivedId::new("1001298", &target, event.timestamp);
    for (name, text) in wire.tokens.iter().rev() {
        derived.token(name, text);
    }
    let extra = json!({"k": [true, null]});
    let iframe = serde_json::to_value(event.iframe.as_ref().unwrap()).unwrap();
    assert_eq!(derived.finish(Some(&extra), Some(&iframe)), id(&event), "tokens in another order, the same id");
    assert_eq!(wire.id.as_deref(), Some(id(&event).as_str()));
}

#[test]
fn ids_an_event_brings_are_checked() {
    for (bad, problem) in [
        (String::new(), "empty"),
        ("x".repeat(timeline_core::MAX_EVENT_ID_BYTES + 1), "longer"),
        ("order-{{uuid}}".to_owned(), "{{uuid}}"),
    ] {
        let event = Probe { id: Some(bad.clone()), ..Probe::about("9", "x") };
        let mut body = b"kept".to_vec();
        let error = timeline_core::encode_input(&event, &mut body).unwrap_err();
        assert!(matches!(&error, EncodeError::InvalidId { problem: p } if p.contains(problem)), "{bad}: {error}");
        assert_eq!(body, b"kept", "nothing is written for a refused event");
        assert!(timeline_core::event_id(&event).is_err());
        assert!(timeline_core::to_wire(&event).is_err());
    }
    let longest = Probe { id: Some("x".repeat(timeline_core::MAX_EVENT_ID_BYTES)), ..Probe::about("9", "x") };
    assert!(timeline_core::event_id(&longest).is_ok());
}

#[test]
fn an_explicit_id_wins() {
    let event = Probe { id: Some("mine".into()), ..Probe::about("9", "x") };
    assert_eq!(id(&event), "mine");
    assert_eq!(encoded_json(&event).unwrap()["id"], "mine");
}

#[test]
fn an_account_id_differs_per_account_and_matches_the_untyped_derivation() {
    let event = Probe { timestamp: Some(Utc.timestamp_millis_opt(5).unwrap()), ..Probe::about("42", "hello") };
    let for_account = |account| timeline_core::event_id_for_account(&event, account).unwrap();
    assert!(for_account(101).starts_with("tl3-") && for_account(101).len() == 36, "{}", for_account(101));
    assert_eq!(for_account(101), for_account(101));
    assert_ne!(for_account(101), for_account(202));
    assert_ne!(for_account(101)[4..], id(&event)[4..]);

    let wire = timeline_core::to_wire(&event).unwrap();
    let target = Target { object_id: Some("42".into()), ..Target::default() };
    let mut derived = DerivedId::new("1001298", &target, event.timestamp);
    for (name, text) in &wire.tokens {
        derived.token(name, text);
    }
    derived.account(101);
    assert_eq!(derived.finish(None, None), for_account(101));

    let explicit = Probe { id: Some("mine".into()), ..event };
    assert_eq!(timeline_core::event_id_for_account(&explicit, 101).unwrap(), "mine");
}

#[cfg(feature = "client")]
#[test]
fn an_account_client_writes_the_same_input_from_an_event_and_from_its_encoding() {
    use timeline_core::{EncodedInput, EventInput};

    for event in [Probe::about("42", "hello"), Probe { id: Some("mine".into()), ..Probe::about("42", "hello") }] {
        let (mut typed, mut pre_encoded) = (Vec::new(), Vec::new());
        let typed_id = event.encode_for_account(AccountId::new(101), &mut typed).unwrap();
        let encoded = EncodedInput::new(&event).unwrap();
        let pre_encoded_id = encoded.encode_for_account(AccountId::new(101), &mut pre_encoded).unwrap();
        assert_eq!((typed_id.as_str(), typed.as_slice()), (pre_encoded_id.as_str(), pre_encoded.as_slice()));
        let json: serde_json::Value = serde_json::from_slice(&typed).unwrap();
        assert_eq!(json["id"], typed_id.as_str());
        assert_eq!(typed_id, timeline_core::event_id_for_account(&event, 101).unwrap());
    }
}
