use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
struct Plan {
    name: String,
    seats: u32,
}

fn main() {}
