use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
enum Plan {
    Free,
    #[timeline(rename = "")]
    Pro,
}

fn main() {}
