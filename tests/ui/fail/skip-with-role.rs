use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    #[timeline(timestamp, skip)]
    adopted_at: chrono::DateTime<chrono::Utc>,
    pet_name: String,
}

fn main() {}
