use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "webinar-registered-hsmeta.json", template_id = "1002001", rename_all = "camelCase")]
struct WebinarRegistered {
    #[timeline(email)]
    email: String,
    webinar_id: u64,
}

fn main() {}
