use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    #[timeline(email)]
    vet_email: String,
    pet_name: String,
}

fn main() {}
