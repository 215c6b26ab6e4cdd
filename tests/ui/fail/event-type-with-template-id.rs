use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", event_type = "pet_adopted")]
struct PetAdopted {
    #[timeline(email)]
    email: String,
}

fn main() {}
