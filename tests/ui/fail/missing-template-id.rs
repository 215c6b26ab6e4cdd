use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(rename_all = "camelCase")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
}

fn main() {}
