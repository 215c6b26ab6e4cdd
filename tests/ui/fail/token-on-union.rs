use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
union Plan {
    code: u8,
}

fn main() {}
