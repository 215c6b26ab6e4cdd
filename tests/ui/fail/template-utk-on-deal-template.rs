use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "deal-stage-changed.json")]
struct StageChanged {
    #[timeline(object_id)]
    deal_id: u64,
    #[timeline(utk)]
    visitor: Option<String>,
    amount: f64,
}

fn main() {}
