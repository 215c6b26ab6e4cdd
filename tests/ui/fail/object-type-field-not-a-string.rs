use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "car-serviced-hsmeta.json")]
struct CarServiced {
    #[timeline(object_id)]
    car_id: u64,
    #[timeline(object_type)]
    object_type_id: u64,
}

fn main() {}
