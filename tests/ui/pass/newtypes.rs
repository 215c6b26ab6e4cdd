use hubspot_timeline::{TimelineEvent, TimelineToken};
use hubspot_timeline::events::{TokenKind, TokenValue};

#[derive(TimelineToken)]
struct ContactId(i64);

#[derive(TimelineToken)]
struct OrderNumber(&'static str);

#[derive(TimelineToken)]
struct Email {
    inbox: Box<str>,
}

#[derive(TimelineToken)]
struct Labelled<T>(T);

#[derive(TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum Plan {
    Free,
    ProAnnual,
}

#[derive(TimelineToken)]
struct CurrentPlan(Plan);

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", rename_all = "camelCase")]
struct OrderPlaced {
    #[timeline(object_id)]
    contact_id: ContactId,
    #[timeline(email)]
    email: Option<Email>,
    #[timeline(id)]
    order_number: OrderNumber,
    seats: Labelled<u32>,
    plan: CurrentPlan,
}

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json")]
struct PetAdopted {
    #[timeline(object_id)]
    contact_id: ContactId,
    #[timeline(rename = "petName")]
    pet_name: Labelled<String>,
    #[timeline(rename = "petAge")]
    pet_age: Labelled<u8>,
}

const _: () = assert!(matches!(<Labelled<f64> as TokenValue>::KIND, TokenKind::Number));
const _: () = assert!(matches!(<CurrentPlan as TokenValue>::KIND, TokenKind::Enumeration));

fn main() {}
