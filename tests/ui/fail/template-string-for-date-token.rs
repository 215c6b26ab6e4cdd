use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json", rename_all = "camelCase")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    vaccinated_on: String,
}

fn main() {}
