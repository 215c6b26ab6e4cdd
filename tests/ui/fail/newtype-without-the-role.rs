use hubspot_timeline::{TimelineEvent, TimelineToken};

#[derive(TimelineToken)]
struct Seats(u32);

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PlanChanged {
    #[timeline(object_id)]
    contact_id: u64,
    #[timeline(email)]
    seats: Seats,
}

fn main() {}
