use chrono::{DateTime, Utc};
use hubspot_timeline::TimelineEvent;
use hubspot_timeline::wire::TimelineEventIFrame;
use serde::Serialize;

#[derive(Serialize)]
struct Details {
    shelter: String,
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct EveryRole {
    #[timeline(object_id)]
    contact_id: u64,
    #[timeline(email)]
    email: Option<String>,
    #[timeline(utk)]
    utk: Option<String>,
    #[timeline(domain)]
    domain: Option<String>,
    #[timeline(id)]
    adoption_id: String,
    #[timeline(timestamp)]
    adopted_at: DateTime<Utc>,
    #[timeline(extra_data)]
    details: Option<Details>,
    #[timeline(iframe)]
    frame: TimelineEventIFrame,
    pet_name: String,
    #[timeline(skip)]
    internal_note: Vec<u8>,
}

fn main() {
    assert_eq!(EveryRole::TOKENS.len(), 1);
}
