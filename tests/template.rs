//! Events bound to template definition files: the id and object type come
//! from the file, and the encoder refuses contact targets on templates of
//! other objects.

use std::borrow::Cow;
use std::path::Path;

use chrono::NaiveDate;
use hubspot_timeline::events::by_hand::{IdText, TokenWriter};
use hubspot_timeline::events::{Target, TokenKind, TokenSpec, to_wire};
use hubspot_timeline::{EncodeError, TimelineEvent, TimelineToken, encode_input};
use serde_json::{Value, json};

#[derive(TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum Breed {
    GoldenRetriever,
    Beagle,
}

#[derive(TimelineEvent)]
#[timeline(template = "tests/ui/templates/pet-adopted.json", rename_all = "camelCase", require_all_tokens)]
struct PetAdopted<'a> {
    #[timeline(email)]
    owner_email: &'a str,
    #[timeline(id)]
    adoption_id: u64,
    pet_name: &'a str,
    pet_age: u8,
    breed: Option<Breed>,
    vaccinated_on: Option<NaiveDate>,
}

#[derive(TimelineToken)]
enum Stage {
    #[timeline(rename = "closed-won")]
    ClosedWon,
}

#[derive(TimelineEvent)]
#[timeline(template = "tests/ui/templates/deal-stage-changed.json")]
struct StageChanged {
    #[timeline(object_id)]
    deal_id: u64,
    stage: Stage,
    amount: f64,
}

#[derive(TimelineEvent)]
#[timeline(template = "tests/ui/templates/webinar-registered-hsmeta.json", template_id = "1002001")]
#[timeline(rename_all = "camelCase")]
struct WebinarRegistered {
    #[timeline(utk)]
    visitor: String,
    webinar_name: String,
}

fn encoded<E: TimelineEvent>(event: &E) -> Value {
    let mut body = Vec::new();
    encode_input(event, &mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn a_template_bound_event_is_sent_with_the_files_template_id() {
    assert_eq!(PetAdopted::EVENT_TYPE, "1001298");
    assert_eq!(PetAdopted::OBJECT_TYPE, Some("contacts"));
    let event = PetAdopted {
        owner_email: "ada@example.com",
        adoption_id: 12,
        pet_name: "Rex",
        pet_age: 3,
        breed: Some(Breed::Beagle),
        vaccinated_on: None,
    };
    assert_eq!(
        encoded(&event),
        json!({
            "eventTemplateId": "1001298",
            "tokens": { "petName": "Rex", "petAge": "3", "breed": "beagle" },
            "id": "12",
            "email": "ada@example.com",
        })
    );
    assert_eq!(to_wire(&event).unwrap().event_template_id, "1001298");
    let golden = PetAdopted { breed: Some(Breed::GoldenRetriever), ..event };
    assert_eq!(golden.tokens().unwrap()["breed"], "golden-retriever");
}

#[test]
fn the_object_type_comes_from_the_file() {
    assert_eq!(StageChanged::EVENT_TYPE, "1004521");
    assert_eq!(StageChanged::OBJECT_TYPE, Some("deals"));
    assert_eq!(
        StageChanged::TOKENS,
        &[
            TokenSpec { name: "stage", kind: TokenKind::Enumeration },
            TokenSpec { name: "amount", kind: TokenKind::Number },
        ]
    );
    let json = encoded(&StageChanged { deal_id: 88, stage: Stage::ClosedWon, amount: 1250.5 });
    assert_eq!(json["eventTemplateId"], "1004521");
    assert_eq!(json["objectId"], "88");
    assert_eq!(json["tokens"], json!({ "stage": "closed-won", "amount": "1250.5" }));
}

#[test]
fn an_app_event_file_gives_the_object_type_and_the_attribute_the_id() {
    assert_eq!(WebinarRegistered::EVENT_TYPE, "1002001");
    assert_eq!(WebinarRegistered::OBJECT_TYPE, Some("contacts"));
    let json = encoded(&WebinarRegistered { visitor: "utk-9".into(), webinar_name: "Q2 roadmap".into() });
    assert_eq!(json["utk"], "utk-9");
    assert_eq!(json["tokens"], json!({ "webinarName": "Q2 roadmap" }));
}

/// A hand-written event whose object type and target are chosen per test.
struct HandWritten<const DEALS: bool> {
    email: Option<&'static str>,
    utk: Option<&'static str>,
    object_id: Option<&'static str>,
}

impl<const DEALS: bool> TimelineEvent for HandWritten<DEALS> {
    const EVENT_TYPE: &'static str = "1004521";
    const TOKENS: &'static [TokenSpec] = &[];
    const OBJECT_TYPE: Option<&'static str> = if DEALS { Some("deals") } else { None };

    fn target(&self) -> Target<'_> {
        Target {
            email: self.email.map(Cow::Borrowed),
            utk: self.utk.map(Cow::Borrowed),
            object_id: self.object_id.map(IdText::from),
            domain: None,
            object_type: None,
        }
    }

    fn write_tokens(&self, _: &mut TokenWriter<'_>) -> Result<(), EncodeError> {
        Ok(())
    }
}

#[test]
fn the_encoder_refuses_contact_targets_on_templates_of_other_objects() {
    let by_email = HandWritten::<true> { email: Some("ada@example.com"), utk: None, object_id: Some("88") };
    let by_utk = HandWritten::<true> { email: None, utk: Some("utk-9"), object_id: None };
    for (event, field) in [(&by_email, "email"), (&by_utk, "utk")] {
        let expected = EncodeError::ContactTargetOnOtherObject { field, object_type: "deals" };
        let mut body = b"[".to_vec();
        assert_eq!(encode_input(event, &mut body), Err(expected.clone()));
        assert_eq!(body, b"[", "nothing is written for a refused event");
        assert_eq!(to_wire(event), Err(expected));
    }
    let message = encode_input(&by_email, &mut Vec::new()).unwrap_err().to_string();
    assert!(message.contains("`email`") && message.contains("deals"), "{message}");

    let by_object_id = HandWritten::<true> { email: None, utk: None, object_id: Some("88") };
    assert_eq!(encoded(&by_object_id)["objectId"], "88");
    let unknown_object_type = HandWritten::<false> { email: Some("ada@example.com"), utk: None, object_id: None };
    assert_eq!(encoded(&unknown_object_type)["email"], "ada@example.com");
}

/// Cargo decides when to rebuild from rustc's dep-info (`<test binary>.d`):
/// the template files and `TIMELINE_TEMPLATE_DIR` must be listed there, or
/// an edited template would leave the checks and the ids stale.
#[test]
fn cargo_rebuilds_when_a_template_file_or_the_template_dir_changes() {
    let dep_info = std::env::current_exe().unwrap().with_extension("d");
    let dep_info = std::fs::read_to_string(&dep_info)
        .unwrap_or_else(|error| panic!("cannot read rustc's dep-info {}: {error}", dep_info.display()));
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/templates");
    for file in ["pet-adopted.json", "deal-stage-changed.json", "webinar-registered-hsmeta.json"] {
        let path = templates.join(file).canonicalize().unwrap();
        let rule = format!("{}:", path.display());
        assert!(dep_info.lines().any(|line| line == rule), "{rule} not in:\n{dep_info}");
    }
    assert!(dep_info.lines().any(|line| line.starts_with("# env-dep:TIMELINE_TEMPLATE_DIR")), "{dep_info}");
}
