use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
union Amount {
    cents: u64,
    units: f64,
}

fn main() {}
