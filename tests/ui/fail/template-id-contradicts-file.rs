use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json", template_id = "1001299")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
}

fn main() {}
