use hubspot_timeline::{TimelineEvent, TimelineToken};
use hubspot_timeline::events::TokenKind;

#[derive(TimelineToken)]
#[timeline(rename_all = "SCREAMING-KEBAB-CASE")]
enum Breed {
    GoldenRetriever,
    #[timeline(rename = "mixed breed")]
    Mixed,
}

#[derive(TimelineToken)]
#[repr(u8)]
enum Size {
    Small = 1,
    Large = 2,
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct PetAdopted {
    #[timeline(email)]
    owner_email: String,
    breed: Breed,
    size: Option<Size>,
}

fn main() {
    assert_eq!(Breed::VALUES, ["GOLDEN-RETRIEVER", "mixed breed"]);
    assert_eq!(Size::Large.value(), "Large");
    assert!(PetAdopted::TOKENS.iter().all(|token| token.kind == TokenKind::Enumeration));
}
