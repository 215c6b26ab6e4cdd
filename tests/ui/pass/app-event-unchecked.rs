use hubspot_timeline::TimelineEvent;
use hubspot_timeline::events::EventKind;

// An app event without a definition file: nothing is checked against a type.
#[derive(TimelineEvent)]
#[timeline(event_type = "trial_started", rename_all = "camelCase")]
struct TrialStarted {
    #[timeline(email)]
    email: String,
    plan_name: String,
}

#[derive(TimelineEvent)]
#[timeline(event_type = "ae1234567_part_shipped")]
struct PartShipped {
    #[timeline(object_id)]
    part_id: u64,
    #[timeline(object_type)]
    object_type: Option<String>,
}

fn main() {
    assert_eq!(TrialStarted::KIND, EventKind::AppEvent);
    assert_eq!(TrialStarted::EVENT_TYPE, "trial_started");
    assert_eq!(TrialStarted::OBJECT_TYPE, None);
    let shipped = PartShipped { part_id: 3, object_type: None };
    assert_eq!(shipped.target().object_type, None);
    assert_eq!(PartShipped::KIND, EventKind::AppEvent);
}
