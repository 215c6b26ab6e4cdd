use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "deal-stage-changed.json", event_type = "deal_stage_changed")]
struct StageChanged {
    #[timeline(object_id)]
    deal_id: u64,
    amount: f64,
}

fn main() {}
