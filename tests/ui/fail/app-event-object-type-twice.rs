use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "car-serviced-hsmeta.json", object_type = "p1234_car")]
struct CarServiced {
    #[timeline(object_id)]
    car_id: u64,
    #[timeline(object_type)]
    kind: String,
}

fn main() {}
