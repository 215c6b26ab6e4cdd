use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "timeline/pet-adopted.json")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
}

fn main() {}
