use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "car-serviced-hsmeta.json")]
struct CarServiced {
    #[timeline(object_id)]
    car_id: u64,
    garage: String,
}

fn main() {}
