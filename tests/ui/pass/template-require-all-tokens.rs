use chrono::NaiveDate;
use hubspot_timeline::{TimelineEvent, TimelineToken};

#[derive(TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum Breed {
    GoldenRetriever,
    Beagle,
    Mixed,
}

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json", require_all_tokens, rename_all = "camelCase")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
    pet_age: f32,
    breed: Breed,
    vaccinated_on: Option<NaiveDate>,
    #[timeline(skip)]
    _note: String,
}

fn main() {
    assert_eq!(PetAdopted::TOKENS.len(), 4);
}
