use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "invalid-json.json")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
}

fn main() {}
