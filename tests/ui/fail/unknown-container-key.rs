use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", object = "contacts")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
}

fn main() {}
