use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "seat-booked-hsmeta.json")]
struct SeatBooked {
    #[timeline(email)]
    booked_by: String,
    seats: u32,
}

fn main() {}
