use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
    timestamp: chrono::DateTime<chrono::Utc>,
}

fn main() {}
