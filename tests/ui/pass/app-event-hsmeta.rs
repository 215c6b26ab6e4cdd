use chrono::{DateTime, Utc};
use hubspot_timeline::{TimelineEvent, TimelineToken};
use hubspot_timeline::events::{EventKind, TokenKind, TokenSpec};

#[derive(TimelineToken)]
#[timeline(rename_all = "lowercase")]
enum WebinarType {
    Ama,
    Panel,
}

// An app event: the file has no template id and none is given.
#[derive(TimelineEvent)]
#[timeline(template = "webinar-registered-hsmeta.json", rename_all = "camelCase", require_all_tokens)]
struct WebinarRegistered {
    #[timeline(email)]
    email: String,
    #[timeline(id)]
    registration_id: u64,
    webinar_name: String,
    webinar_id: String,
    webinar_type: WebinarType,
    starts_at: Option<DateTime<Utc>>,
}

// The same definition under its fully-qualified name.
#[derive(TimelineEvent)]
#[timeline(template = "webinar-registered-hsmeta.json", event_type = "ae1234567_webinar_registered")]
struct WebinarRegisteredQualified {
    #[timeline(utk)]
    visitor: String,
    #[timeline(rename = "webinarName")]
    name: String,
}

// A company event, by record id.
#[derive(TimelineEvent)]
#[timeline(template = "seat-booked-hsmeta.json")]
struct SeatBooked {
    #[timeline(object_id)]
    company_id: u64,
    seats: u32,
}

fn main() {
    assert_eq!(WebinarRegistered::KIND, EventKind::AppEvent);
    assert_eq!(WebinarRegistered::EVENT_TYPE, "webinar_registered");
    assert_eq!(WebinarRegistered::OBJECT_TYPE, Some("contacts"));
    assert_eq!(WebinarRegistered::TOKENS[2], TokenSpec { name: "webinarType", kind: TokenKind::Enumeration });
    assert_eq!(WebinarRegisteredQualified::KIND, EventKind::AppEvent);
    assert_eq!(WebinarRegisteredQualified::EVENT_TYPE, "ae1234567_webinar_registered");
    assert_eq!(SeatBooked::EVENT_TYPE, "seat_booked");
    assert_eq!(SeatBooked::OBJECT_TYPE, Some("companies"));
}
