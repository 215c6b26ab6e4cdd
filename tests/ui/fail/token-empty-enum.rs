use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
enum Plan {}

fn main() {}
