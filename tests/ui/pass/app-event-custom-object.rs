use hubspot_timeline::{TimelineEvent, TimelineToken};
use hubspot_timeline::events::EventKind;

/// A newtype is an object type field wherever its field is one.
#[derive(TimelineToken)]
struct CarType(String);

// The object type from a field: events of one definition on several custom objects.
#[derive(TimelineEvent)]
#[timeline(template = "car-serviced-hsmeta.json")]
struct CarServiced<'a> {
    #[timeline(object_id)]
    car_id: u64,
    #[timeline(object_type)]
    object_type: &'a str,
    garage: &'a str,
    mileage: f64,
}

// The object type fixed for every event.
#[derive(TimelineEvent)]
#[timeline(template = "car-serviced-hsmeta.json", object_type = "p1234_car")]
struct CarServicedFixed {
    #[timeline(object_id)]
    car_id: String,
    garage: String,
}

// The object type from a newtype field.
#[derive(TimelineEvent)]
#[timeline(template = "car-serviced-hsmeta.json")]
struct CarServicedTyped {
    #[timeline(object_id)]
    car_id: u64,
    #[timeline(object_type)]
    car_type: CarType,
}

fn main() {
    assert_eq!(CarServiced::KIND, EventKind::AppEvent);
    assert_eq!(CarServiced::EVENT_TYPE, "car_serviced");
    assert_eq!(CarServiced::OBJECT_TYPE, Some("custom_objects"));
    let event = CarServiced { car_id: 9, object_type: "p1234_truck", garage: "North", mileage: 1200.5 };
    assert_eq!(event.target().object_type.as_deref(), Some("p1234_truck"));
    assert_eq!(event.target().object_id.as_deref(), Some("9"));
    let fixed = CarServicedFixed { car_id: "10".into(), garage: "South".into() };
    assert_eq!(fixed.target().object_type.as_deref(), Some("p1234_car"));
    let typed = CarServicedTyped { car_id: 11, car_type: CarType("p1234_van".into()) };
    assert_eq!(typed.target().object_type.as_deref(), Some("p1234_van"));
}
