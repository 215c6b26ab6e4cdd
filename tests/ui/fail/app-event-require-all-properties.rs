use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "seat-booked-hsmeta.json", require_all_tokens)]
struct SeatBooked {
    #[timeline(object_id)]
    company_id: u64,
    seats: u32,
}

fn main() {}
