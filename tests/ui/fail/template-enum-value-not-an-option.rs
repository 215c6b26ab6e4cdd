use hubspot_timeline::{TimelineEvent, TimelineToken};

#[derive(TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum Breed {
    GoldenRetriever,
    Beagle,
    Poodle,
}

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    breed: Option<Breed>,
}

fn main() {}
