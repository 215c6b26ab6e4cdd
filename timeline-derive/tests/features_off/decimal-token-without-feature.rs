use hubspot_timeline::TimelineEvent;
use rust_decimal::Decimal;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct InvoicePaid {
    #[timeline(object_id)]
    account: u64,
    amount: Decimal,
}

fn main() {}
