use hubspot_timeline::TimelineEvent;
use uuid::Uuid;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct InvoicePaid {
    #[timeline(id)]
    invoice_id: Uuid,
    #[timeline(object_id)]
    account: u64,
}

fn main() {}
