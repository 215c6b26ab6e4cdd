use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
#[timeline(template_id = "1001298")]
enum Plan {
    Free,
    Pro,
}

fn main() {}
