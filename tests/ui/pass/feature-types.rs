use hubspot_timeline::{TimelineEvent, TimelineToken};
use rust_decimal::Decimal;
use uuid::Uuid;

#[derive(TimelineToken)]
struct AccountId(Uuid);

#[derive(TimelineToken)]
struct Paid(time::OffsetDateTime);

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct InvoicePaid {
    #[timeline(id)]
    invoice_id: Uuid,
    #[timeline(object_id)]
    account: AccountId,
    #[timeline(timestamp)]
    paid_at: Paid,
    amount: Decimal,
    reference: Uuid,
    due_on: time::Date,
    issued_at: time::PrimitiveDateTime,
    refunded_at: Option<time::OffsetDateTime>,
}

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json", rename_all = "camelCase")]
struct PetAdopted {
    #[timeline(object_id)]
    contact_id: Uuid,
    #[timeline(timestamp)]
    adopted_at: time::PrimitiveDateTime,
    pet_name: String,
    pet_age: Decimal,
    vaccinated_on: Option<time::Date>,
}

fn main() {}
