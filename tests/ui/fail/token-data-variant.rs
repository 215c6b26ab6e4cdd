use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
enum Plan {
    Free,
    Custom(String),
}

fn main() {}
