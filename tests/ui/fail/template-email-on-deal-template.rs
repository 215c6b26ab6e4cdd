use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "deal-stage-changed.json")]
struct StageChanged {
    #[timeline(email)]
    owner_email: String,
    amount: f64,
}

fn main() {}
