use hubspot_timeline::TimelineEvent;

struct Details {
    shelter: String,
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    pet_name: String,
    #[timeline(extra_data)]
    details: Details,
}

fn main() {}
