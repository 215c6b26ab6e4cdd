use hubspot_timeline::TimelineToken;
use uuid::Uuid;

#[derive(TimelineToken)]
struct AccountKey(Uuid);

fn main() {}
