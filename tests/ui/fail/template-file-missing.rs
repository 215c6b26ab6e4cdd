use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "pet-adoptde.json")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
}

fn main() {}
