use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", rename_all = "camelCase")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    #[timeline(rename = "petName")]
    name: String,
    pet_name: String,
}

fn main() {}
