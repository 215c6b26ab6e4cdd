use hubspot_timeline::TimelineEvent;
use hubspot_timeline::events::TokenKind;

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json", rename_all = "camelCase")]
struct PetAdopted<'a> {
    #[timeline(email)]
    owner_email: &'a str,
    pet_name: &'a str,
    pet_age: u8,
}

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json", template_id = "1001298")]
struct PetNamed {
    #[timeline(object_id)]
    contact_id: u64,
    #[timeline(rename = "petName")]
    name: String,
}

fn main() {
    assert_eq!(PetAdopted::EVENT_TYPE, "1001298");
    assert_eq!(PetAdopted::OBJECT_TYPE, Some("contacts"));
    assert_eq!(PetAdopted::TOKENS[1].kind, TokenKind::Number);
    assert_eq!(PetNamed::EVENT_TYPE, "1001298");
}
