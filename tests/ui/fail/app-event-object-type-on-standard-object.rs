use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "seat-booked-hsmeta.json", object_type = "p1234_car")]
struct SeatBooked {
    #[timeline(object_id)]
    company_id: u64,
    #[timeline(object_type)]
    kind: String,
}

fn main() {}
