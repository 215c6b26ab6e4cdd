use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use hubspot_timeline::{TimelineEvent, TimelineToken, encode_input};

/// A subset of the template's options is enough.
#[derive(TimelineToken)]
enum Stage {
    #[timeline(rename = "closed-won")]
    Won,
}

#[derive(TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum AnyStage {
    Qualified,
    ClosedWon,
}

#[derive(TimelineEvent)]
#[timeline(template = "deal-stage-changed.json")]
struct StageChanged<'a, S: TimelineToken> {
    #[timeline(object_id)]
    deal_id: u64,
    #[timeline(timestamp)]
    at: DateTime<Utc>,
    stage: Option<&'a S>,
    amount: Option<Cow<'a, f64>>,
}

#[derive(TimelineEvent)]
#[timeline(template = "pet-adopted.json", rename_all = "camelCase")]
struct PetVaccinated<'a> {
    #[timeline(email)]
    owner_email: Arc<str>,
    vaccinated_on: Option<&'a NaiveDateTime>,
    #[timeline(rename = "breed")]
    breed_name: Box<Option<Breed>>,
}

#[derive(TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum Breed {
    Beagle,
}

fn main() {
    let won = StageChanged { deal_id: 7, at: Utc::now(), stage: Some(&Stage::Won), amount: None };
    let any = StageChanged { deal_id: 7, at: Utc::now(), stage: Some(&AnyStage::ClosedWon), amount: None };
    assert!(encode_input(&won, &mut Vec::new()).is_ok());
    assert!(encode_input(&any, &mut Vec::new()).is_ok());
    let vaccinated = PetVaccinated { owner_email: "ada@example.com".into(), vaccinated_on: None, breed_name: Box::new(Some(Breed::Beagle)) };
    assert_eq!(vaccinated.tokens().unwrap()["breed"], "beagle");
}
