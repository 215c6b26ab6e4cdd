use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "car-serviced-hsmeta.json", object_type = "p1234_car")]
struct CarServiced {
    #[timeline(utk)]
    visitor: String,
    garage: String,
}

fn main() {}
