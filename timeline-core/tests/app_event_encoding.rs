//! App events in the encoder: the `AppEventOccurrence` written into the
//! body, its derived ids, and its serde wire model.

use std::borrow::Cow;
use timeline_core::AccountId;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use timeline_core::wire::{AppEventOccurrence, TimelineEventIFrame};
use timeline_core::{
    DerivedId, EncodeError, EncodedInput, EventKind, ExtraDataVisitor, Target, TimelineEvent, TokenSpec, TokenValue,
    TokenWriter,
};

/// One webinar registration, as an app event or (with the same content) as
/// a v3 event of a template whose id is the same text.
struct Registered<const APP_EVENT: bool> {
    contact: u64,
    object_type: Option<&'static str>,
    webinar: &'static str,
    at: DateTime<Utc>,
    iframe: Option<TimelineEventIFrame>,
}

impl<const APP_EVENT: bool> TimelineEvent for Registered<APP_EVENT> {
    const EVENT_TYPE: &'static str = "webinar_registered";
    const KIND: EventKind = if APP_EVENT { EventKind::AppEvent } else { EventKind::Timeline };
    const TOKENS: &'static [TokenSpec] = &[TokenSpec { name: "webinarName", kind: <&str as TokenValue>::KIND }];

    fn target(&self) -> Target<'_> {
        Target {
            object_id: Some(self.contact.into()),
            object_type: self.object_type.map(Cow::Borrowed),
            ..Target::default()
        }
    }

    fn timestamp(&self) -> Option<DateTime<Utc>> {
        Some(self.at)
    }

    fn extra_data<V: ExtraDataVisitor>(&self, visitor: V) -> V::Output {
        visitor.visit(&json!({"seats": 40}))
    }

    fn timeline_iframe(&self) -> Option<&TimelineEventIFrame> {
        self.iframe.as_ref()
    }

    fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> {
        tokens.token("webinarName", self.webinar)
    }
}

fn registered<const APP_EVENT: bool>() -> Registered<APP_EVENT> {
    Registered {
        contact: 5120345,
        object_type: None,
        webinar: "Q2 roadmap",
        at: Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap(),
        iframe: Some(TimelineEventIFrame {
            link_label: "Open".into(),
            header_label: "Recording".into(),
            url: "https://example.com/r".into(),
            width: 600,
            height: 400,
        }),
    }
}

fn body(event: &impl TimelineEvent) -> (String, String) {
    let mut out = Vec::new();
    let id = timeline_core::encode_input(event, &mut out).unwrap().into_owned();
    (String::from_utf8(out).unwrap(), id)
}

#[test]
fn an_app_event_is_written_as_an_occurrence_with_its_keys_in_order() {
    let mut event = registered::<true>();
    event.object_type = Some("p_webinars");
    let (body, id) = body(&event);
    let order = [
        "eventTypeName",
        "properties",
        "objectId",
        "objectTypeFullyQualifiedName",
        "timestamp",
        "extraData",
        "timelineIFrame",
        "id",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|key| body.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("no {key} in {body}")))
        .collect();
    assert!(positions.is_sorted(), "keys out of order: {body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json.as_object().unwrap().len(), order.len(), "{body}");
    assert_eq!(json["eventTypeName"], "webinar_registered");
    assert_eq!(json["properties"], json!({"webinarName": "Q2 roadmap"}));
    assert_eq!(json["objectTypeFullyQualifiedName"], "p_webinars");
    assert_eq!(json["timestamp"], "2026-05-04T09:15:00.000Z");
    assert_eq!(json["id"], id.as_str());
    assert!(body.ends_with(&format!(",\"id\":\"{id}\"}}")), "the id comes last: {body}");
    assert!(!body.contains("eventTemplateId") && !body.contains("\"tokens\""), "{body}");
}

#[test]
fn the_wire_model_is_what_the_encoder_writes() {
    let mut event = registered::<true>();
    event.object_type = Some("p_webinars");
    let (body, _) = body(&event);
    let occurrence = timeline_core::to_app_event_wire(&event).unwrap();
    let written: AppEventOccurrence = serde_json::from_str(&body).unwrap();
    assert_eq!(occurrence, written);
    assert_eq!(serde_json::to_value(&occurrence).unwrap(), serde_json::from_str::<Value>(&body).unwrap());
    assert_eq!(occurrence.object_type_fully_qualified_name.as_deref(), Some("p_webinars"));
}

#[test]
fn each_wire_model_refuses_the_other_kind() {
    let error = timeline_core::to_wire(&registered::<true>()).unwrap_err();
    assert_eq!(error, EncodeError::OtherKind { kind: EventKind::AppEvent, wanted: EventKind::Timeline });
    let error = timeline_core::to_app_event_wire(&registered::<false>()).unwrap_err();
    assert_eq!(error, EncodeError::OtherKind { kind: EventKind::Timeline, wanted: EventKind::AppEvent });
    assert!(error.to_string().contains("`timeline`"), "{error}");
}

#[test]
fn a_v3_event_naming_an_object_type_is_refused_with_the_type_named() {
    let mut event = registered::<false>();
    event.object_type = Some("p_webinars");
    let mut out = Vec::new();
    let error = timeline_core::encode_input(&event, &mut out).unwrap_err();
    assert_eq!(error, EncodeError::ObjectTypeOnTimelineEvent { object_type: "p_webinars".into() });
    assert!(out.is_empty(), "nothing is appended on error");
}

#[test]
fn derived_ids_of_app_events_differ_from_v3_ids_of_the_same_content_and_include_the_object_type() {
    let app_event = timeline_core::event_id(&registered::<true>()).unwrap();
    let v3 = timeline_core::event_id(&registered::<false>()).unwrap();
    assert_ne!(app_event, v3);
    assert!(app_event.starts_with("tl2-"), "{app_event}");
    let mut on_custom_object = registered::<true>();
    on_custom_object.object_type = Some("p_webinars");
    assert_ne!(timeline_core::event_id(&on_custom_object).unwrap(), app_event);
    assert_eq!(app_event, timeline_core::event_id(&registered::<true>()).unwrap(), "deterministic");
}

#[test]
fn derived_id_builds_the_same_app_event_id_as_the_library() {
    let mut event = registered::<true>();
    event.object_type = Some("p_webinars");
    let target = event.target();
    let mut derived = DerivedId::app_event("webinar_registered", &target, Some(event.at));
    derived.token("webinarName", "Q2 roadmap");
    let iframe = serde_json::to_value(event.iframe.as_ref().unwrap()).unwrap();
    let derived = derived.finish(Some(&json!({"seats": 40})), Some(&iframe));
    assert_eq!(derived, timeline_core::event_id(&event).unwrap());
    let mut of_kind = DerivedId::of_kind(EventKind::AppEvent, "webinar_registered", &target, Some(event.at));
    of_kind.token("webinarName", "Q2 roadmap");
    assert_eq!(of_kind.finish(Some(&json!({"seats": 40})), Some(&iframe)), derived);

    let mut for_account = DerivedId::app_event("webinar_registered", &target, Some(event.at));
    for_account.token("webinarName", "Q2 roadmap");
    for_account.account(101);
    assert_eq!(
        for_account.finish(Some(&json!({"seats": 40})), Some(&iframe)),
        timeline_core::event_id_for_account(&event, 101).unwrap()
    );
}

#[test]
fn an_encoded_app_event_keeps_its_kind_and_bytes() {
    let event = registered::<true>();
    let encoded = EncodedInput::new(&event).unwrap();
    assert_eq!(encoded.kind(), EventKind::AppEvent);
    assert_eq!(encoded.event_type(), "webinar_registered");
    let (body, id) = body(&event);
    assert_eq!(encoded.json(), body.as_bytes());
    assert_eq!(encoded.id(), id);
}

#[cfg(feature = "client")]
#[test]
fn an_encoded_app_event_sent_for_an_account_gets_the_accounts_id() {
    use timeline_core::EventInput;
    let event = registered::<true>();
    let encoded = EncodedInput::new(&event).unwrap();
    let (mut from_encoded, mut from_event) = (Vec::new(), Vec::new());
    let id = encoded.encode_for_account(AccountId::new(101), &mut from_encoded).unwrap();
    assert_eq!(id, event.encode_for_account(AccountId::new(101), &mut from_event).unwrap());
    assert_eq!(from_encoded, from_event);
    assert_eq!(id, timeline_core::event_id_for_account(&event, 101).unwrap());
    assert!(id.starts_with("tl3-"), "{id}");
}
