use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", require_all_tokens)]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
}

fn main() {}
