//! Structs bound to app-event definitions (`*-hsmeta.json` without a
//! template id) are app events: their kind, event type name, properties,
//! object type and target come from the file and the struct.

use chrono::{TimeZone, Utc};
use hubspot_timeline::events::{EventKind, TokenKind, TokenSpec};
use hubspot_timeline::{TimelineEvent, TimelineToken};

#[derive(TimelineToken)]
#[timeline(rename_all = "lowercase")]
enum WebinarType {
    Ama,
    Panel,
}

#[derive(TimelineEvent)]
#[timeline(template = "tests/ui/templates/webinar-registered-hsmeta.json", rename_all = "camelCase")]
struct WebinarRegistered<'a> {
    #[timeline(email)]
    email: &'a str,
    #[timeline(id)]
    registration_id: u64,
    #[timeline(timestamp)]
    registered_at: chrono::DateTime<Utc>,
    webinar_name: &'a str,
    webinar_type: WebinarType,
}

#[derive(TimelineEvent)]
#[timeline(template = "tests/ui/templates/car-serviced-hsmeta.json")]
struct CarServiced {
    #[timeline(object_id)]
    car_id: u64,
    #[timeline(object_type)]
    car_type: String,
    mileage: u32,
}

#[derive(TimelineEvent)]
#[timeline(template = "tests/ui/templates/car-serviced-hsmeta.json", object_type = "p77_car")]
struct CarServicedFixed {
    #[timeline(object_id)]
    car_id: u64,
}

#[test]
fn an_hsmeta_bound_struct_is_an_app_event_named_by_the_files_uid() {
    assert_eq!(WebinarRegistered::KIND, EventKind::AppEvent);
    assert_eq!(WebinarRegistered::EVENT_TYPE, "webinar_registered");
    assert_eq!(WebinarRegistered::OBJECT_TYPE, Some("contacts"));
    assert_eq!(
        WebinarRegistered::TOKENS,
        &[
            TokenSpec { name: "webinarName", kind: TokenKind::String },
            TokenSpec { name: "webinarType", kind: TokenKind::Enumeration },
        ]
    );
    let registered_at = Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap();
    let event = WebinarRegistered {
        email: "ada@example.com",
        registration_id: 31,
        registered_at,
        webinar_name: "Q2 roadmap",
        webinar_type: WebinarType::Panel,
    };
    let target = event.target();
    assert_eq!(target.email.as_deref(), Some("ada@example.com"));
    assert_eq!((target.object_id, target.object_type), (None, None));
    assert_eq!(event.event_id().as_deref(), Some("31"));
    assert_eq!(event.timestamp(), Some(registered_at));
    let properties = event.tokens().unwrap();
    assert_eq!(properties["webinarName"], "Q2 roadmap");
    assert_eq!(properties["webinarType"], "panel");
    let _ = WebinarType::Ama;
}

#[test]
fn custom_object_events_name_their_object_type() {
    assert_eq!(CarServiced::KIND, EventKind::AppEvent);
    assert_eq!(CarServiced::EVENT_TYPE, "car_serviced");
    assert_eq!(CarServiced::OBJECT_TYPE, Some("custom_objects"));
    assert_eq!(CarServiced::TOKENS, &[TokenSpec { name: "mileage", kind: TokenKind::Number }]);
    let event = CarServiced { car_id: 12, car_type: "p77_truck".into(), mileage: 40_000 };
    let target = event.target();
    assert_eq!(target.object_id.as_deref(), Some("12"));
    assert_eq!(target.object_type.as_deref(), Some("p77_truck"));
    assert_eq!(event.event_id(), None, "without an id field the id is derived from the content");
    assert_eq!(event.tokens().unwrap()["mileage"], "40000");

    let fixed = CarServicedFixed { car_id: 13 };
    assert_eq!(fixed.target().object_type.as_deref(), Some("p77_car"));
    assert!(fixed.tokens().unwrap().is_empty());
}
