use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(event_type = "")]
struct TrialStarted {
    #[timeline(email)]
    email: String,
}

#[derive(TimelineEvent)]
#[timeline(event_type = "trial started")]
struct TrialEnded {
    #[timeline(email)]
    email: String,
}

fn main() {}
