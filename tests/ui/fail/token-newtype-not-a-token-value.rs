use hubspot_timeline::TimelineToken;

struct Coordinates {
    latitude: f64,
    longitude: f64,
}

#[derive(TimelineToken)]
struct Location(Coordinates);

fn main() {}
