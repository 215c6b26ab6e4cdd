use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
#[timeline(rename_all = "Title Case")]
enum Plan {
    Free,
    Pro,
}

fn main() {}
