//! The event every benchmark sends: a derived `TimelineEvent` of the template
//! `benches/templates/bench-event.json`, with five tokens of four kinds.
//!
//! It also derives `Serialize`, so that the encoding benchmark can measure
//! plain `serde_json` on the very same struct.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use hubspot_timeline::{TimelineEvent, TimelineToken};
use serde::Serialize;

/// The template's `breed` enumeration.
#[derive(Debug, Clone, Copy, Serialize, TimelineToken)]
#[serde(rename_all = "kebab-case")]
#[timeline(rename_all = "kebab-case")]
pub enum Breed {
    GoldenRetriever,
    Beagle,
    Mixed,
}

/// A contact adopted a pet; the derive checks its tokens against the template file.
#[derive(Debug, Clone, Serialize, TimelineEvent)]
#[serde(rename_all = "camelCase")]
#[timeline(template = "benches/templates/bench-event.json", rename_all = "camelCase")]
pub struct PetAdopted {
    #[timeline(object_id)]
    pub contact_id: u64,
    #[timeline(id)]
    pub adoption_id: String,
    #[timeline(timestamp)]
    pub adopted_at: DateTime<Utc>,
    pub pet_name: String,
    pub pet_age: u8,
    pub breed: Breed,
    pub adopted_on: NaiveDate,
    pub shelter: String,
}

const PET_NAMES: [&str; 4] = ["Rex", "Bella", "Oscar \"Ozzy\"", "Luna"];
const SHELTERS: [&str; 3] = ["North Shelter", "Harbour Rescue", "Südstadt Tierheim"];
const BREEDS: [Breed; 3] = [Breed::GoldenRetriever, Breed::Beagle, Breed::Mixed];

/// The `n`th event of a run: its values vary with `n`, and its id is unique.
pub fn pet_adopted(n: u64) -> PetAdopted {
    let start = Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).single().unwrap_or_default();
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let slot = n as usize;
    PetAdopted {
        contact_id: 5_100_000 + n % 1000,
        adoption_id: format!("adoption-{n}"),
        adopted_at: start + chrono::Duration::seconds((n % 86_400) as i64),
        pet_name: PET_NAMES[slot % PET_NAMES.len()].to_owned(),
        pet_age: (n % 17) as u8,
        breed: BREEDS[slot % BREEDS.len()],
        adopted_on: day.checked_add_days(Days::new(n % 365)).unwrap_or(day),
        shelter: SHELTERS[slot % SHELTERS.len()].to_owned(),
    }
}
