use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "webinar-registered-hsmeta.json", template_id = "1002001", event_type = "webinar_registered")]
struct WebinarRegistered {
    #[timeline(email)]
    email: String,
}

fn main() {}
