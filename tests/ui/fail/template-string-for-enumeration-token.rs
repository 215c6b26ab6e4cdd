use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json")]
struct PetAdopted<'a> {
    #[timeline(email)]
    owner_email: &'a str,
    breed: &'a str,
}

fn main() {}
