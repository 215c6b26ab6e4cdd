use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
#[timeline(template_id = "1001299")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
}

fn main() {}
