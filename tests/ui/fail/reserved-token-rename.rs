use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    #[timeline(rename = "lookup")]
    pet_lookup_code: String,
}

fn main() {}
