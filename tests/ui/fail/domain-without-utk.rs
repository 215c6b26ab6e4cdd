use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PageVisited {
    #[timeline(email)]
    visitor_email: String,
    #[timeline(domain)]
    site: String,
    page_path: String,
}

fn main() {}
