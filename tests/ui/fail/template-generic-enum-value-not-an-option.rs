use hubspot_timeline::{TimelineEvent, TimelineToken, encode_input};

#[derive(TimelineToken)]
#[timeline(rename_all = "snake_case")]
enum Stage {
    Qualified,
    ClosedWon,
}

#[derive(TimelineEvent)]
#[timeline(template = "deal-stage-changed.json")]
struct StageChanged<S: TimelineToken> {
    #[timeline(object_id)]
    deal_id: u64,
    stage: S,
}

fn main() {
    let event = StageChanged { deal_id: 7, stage: Stage::ClosedWon };
    let _ = encode_input(&event, &mut Vec::new());
}
