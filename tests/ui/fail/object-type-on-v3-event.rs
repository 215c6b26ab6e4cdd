use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1004521", object_type = "p1234_car")]
struct StageChanged {
    #[timeline(object_id)]
    deal_id: u64,
}

#[derive(TimelineEvent)]
#[timeline(template = "deal-stage-changed.json")]
struct StageChangedOn {
    #[timeline(object_id)]
    deal_id: u64,
    #[timeline(object_type)]
    kind: String,
}

fn main() {}
