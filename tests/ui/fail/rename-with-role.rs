use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PetAdopted {
    #[timeline(email, rename = "ownerEmail")]
    owner_email: String,
    pet_name: String,
}

fn main() {}
