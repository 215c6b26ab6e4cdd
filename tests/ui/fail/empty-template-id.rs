use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
}

fn main() {}
