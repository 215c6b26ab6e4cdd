use hubspot_timeline::{TimelineEvent, TimelineToken};

#[derive(TimelineToken)]
#[timeline(rename_all = "lowercase")]
enum Plan {
    Team,
    Starter,
}

#[derive(TimelineEvent)]
#[timeline(template = "seat-booked-hsmeta.json")]
struct SeatBooked {
    #[timeline(object_id)]
    company_id: u64,
    plan: Plan,
}

fn main() {}
