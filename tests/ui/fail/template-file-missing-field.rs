use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "missing-object-type.json")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
}

fn main() {}
