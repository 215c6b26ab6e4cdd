use hubspot_timeline::{TimelineEvent, TokenKind};

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
    assert_eq!(PetAdopted::TEMPLATE_ID, "1001298");
    assert_eq!(PetAdopted::OBJECT_TYPE, Some("contacts"));
    assert_eq!(PetAdopted::TOKENS[1].kind, TokenKind::Number);
    assert_eq!(PetNamed::TEMPLATE_ID, "1001298");
}
