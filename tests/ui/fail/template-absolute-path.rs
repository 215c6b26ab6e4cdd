use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "/etc/timeline/pet-adopted.json")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
}

fn main() {}
