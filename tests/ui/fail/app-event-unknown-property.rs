use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "webinar-registered-hsmeta.json", rename_all = "camelCase")]
struct WebinarRegistered {
    #[timeline(email)]
    email: String,
    webinar_nam: String,
}

fn main() {}
