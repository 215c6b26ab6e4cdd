use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json", require_all_tokens, rename_all = "camelCase")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
    pet_age: u8,
}

fn main() {}
