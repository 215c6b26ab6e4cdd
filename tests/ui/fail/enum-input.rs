use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
enum Plan {
    Free,
    Pro,
}

fn main() {}
