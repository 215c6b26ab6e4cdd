//! Deterministic ids: stable for the same content, different for different
//! content, and never used when the event has its own id.

mod common;

use chrono::{TimeZone, Utc};
use common::{Probe, encoded_json};
use serde_json::json;

fn id(event: &Probe) -> String {
    timeline_core::event_id(event).unwrap()
}

#[test]
fn the_same_content_gets_the_same_id_every_time() {
    let event = Probe { count: 3, timestamp: Some(Utc.timestamp_millis_opt(1).unwrap()), ..Probe::about("9", "x") };
    let first = id(&event);
    assert_eq!(first, id(&event.clone()));
    assert!(first.starts_with("tl1-") && first.len() == 36, "{first}");
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

#[test]
fn extra_data_is_not_part_of_the_id() {
    let plain = Probe::about("9", "x");
    let with_extra = Probe { extra: Some(json!({"note": "more"})), ..plain.clone() };
    assert_eq!(id(&plain), id(&with_extra));
}

#[test]
fn an_explicit_id_wins() {
    let event = Probe { id: Some("mine".into()), ..Probe::about("9", "x") };
    assert_eq!(id(&event), "mine");
    assert_eq!(encoded_json(&event).unwrap()["id"], "mine");
}
