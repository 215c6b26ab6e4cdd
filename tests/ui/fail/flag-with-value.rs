use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
    #[timeline(skip = true)]
    internal_note: String,
}

fn main() {}
