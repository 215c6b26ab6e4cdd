use std::fmt::Debug;

use hubspot_timeline::{TimelineEvent, TimelineToken};

trait Plan: TimelineToken + Debug {}

#[derive(Debug, TimelineToken)]
enum Tier {
    Free,
    Pro,
}

impl Plan for Tier {}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", rename_all = "camelCase")]
struct Signup<'a, P: Plan, Seats = u32>
where
    Seats: Copy + 'a,
{
    #[timeline(email)]
    email: &'a str,
    plan: P,
    seat_count: Option<Seats>,
    referrer: Option<&'a str>,
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001299")]
struct Wrapped<T>
where
    T: Clone,
{
    #[timeline(object_id)]
    record: T,
    #[timeline(timestamp)]
    at: Option<chrono::DateTime<chrono::Utc>>,
}

fn assert_event<E: TimelineEvent>(_: &E) {}

fn main() {
    let signup = Signup { email: "ada@example.com", plan: Tier::Pro, seat_count: Some(3u8), referrer: None };
    assert_event(&signup);
    assert_event(&Wrapped { record: 42u64, at: None });
    assert_event(&Wrapped { record: String::from("42"), at: None });
}
