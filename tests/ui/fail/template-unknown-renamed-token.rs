use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    #[timeline(rename = "vaccinated_on")]
    vaccinated: Option<chrono::NaiveDate>,
}

fn main() {}
