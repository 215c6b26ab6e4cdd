use chrono::{DateTime, Utc};
use hubspot_timeline::{TimelineEvent, TimelineToken};
use hubspot_timeline::events::EventKind;

#[derive(TimelineToken)]
#[timeline(rename_all = "lowercase")]
enum WebinarType {
    Ama,
    Panel,
}

#[derive(TimelineEvent)]
#[timeline(template = "webinar-registered-hsmeta.json", template_id = "1002001", rename_all = "camelCase")]
struct WebinarRegistered {
    #[timeline(utk)]
    visitor: String,
    webinar_name: String,
    webinar_type: WebinarType,
    starts_at: Option<DateTime<Utc>>,
}

fn main() {
    // With `template_id`, an app-event definition checks a v3 timeline event.
    assert_eq!(WebinarRegistered::KIND, EventKind::Timeline);
    assert_eq!(WebinarRegistered::EVENT_TYPE, "1002001");
    assert_eq!(WebinarRegistered::OBJECT_TYPE, Some("contacts"));
    assert_eq!(WebinarRegistered::TOKENS.len(), 3);
}
