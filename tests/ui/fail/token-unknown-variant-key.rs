use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
enum Plan {
    Free,
    #[timeline(label = "Professional")]
    Pro,
}

fn main() {}
