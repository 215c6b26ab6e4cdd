use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct InvoicePaid {
    #[timeline(object_id)]
    account: u64,
    #[timeline(timestamp)]
    paid_at: time::OffsetDateTime,
}

fn main() {}
