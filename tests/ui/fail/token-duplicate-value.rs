use hubspot_timeline::TimelineToken;

#[derive(TimelineToken)]
#[timeline(rename_all = "lowercase")]
enum Plan {
    Free,
    Pro,
    #[timeline(rename = "pro")]
    Professional,
}

fn main() {}
