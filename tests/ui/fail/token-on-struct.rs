use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
struct Plan {
    name: String,
}

fn main() {}
