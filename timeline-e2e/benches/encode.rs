//! Encoding speed: the derive's encoder against the usual hand-written
//! `HashMap` of tokens and against plain `serde_json` of the same struct.
//!
//! ```text
//! cargo bench --bench encode
//! ```
//!
//! Three ways to produce a request body, each from the same typed events:
//! - `derive`: `encode_input` of `#[derive(TimelineEvent)]`, the wire format;
//! - `hand_map`: a serde wire struct whose tokens are a `HashMap<String, String>`
//!   filled by hand, then `serde_json::to_vec`; the same wire format;
//! - `serde_plain`: `serde_json::to_vec` of the struct's own `#[derive(Serialize)]`,
//!   not the wire format (numbers stay numbers, no token object): the practical limit.

use std::collections::HashMap;
use std::hint::black_box;
use timeline_e2e::pet_event;

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hubspot_timeline::{TimelineEvent, encode_input};
use pet_event::{Breed, PetAdopted, pet_adopted};
use serde::Serialize;

/// One input of a batch body, as it is usually written by hand.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HandInput {
    event_template_id: String,
    id: String,
    object_id: String,
    timestamp: DateTime<Utc>,
    tokens: HashMap<String, String>,
}

#[derive(Serialize)]
struct HandBatch {
    inputs: Vec<HandInput>,
}

#[derive(Serialize)]
struct PlainBatch<'a> {
    inputs: &'a [PetAdopted],
}

/// The option value of a breed, as hand-written code spells it.
fn breed_value(breed: Breed) -> &'static str {
    match breed {
        Breed::GoldenRetriever => "golden-retriever",
        Breed::Beagle => "beagle",
        Breed::Mixed => "mixed",
    }
}

fn hand_input(event: &PetAdopted) -> HandInput {
    let adopted_on = event.adopted_on.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().timestamp_millis();
    let mut tokens = HashMap::new();
    tokens.insert("petName".to_owned(), event.pet_name.clone());
    tokens.insert("petAge".to_owned(), event.pet_age.to_string());
    tokens.insert("breed".to_owned(), breed_value(event.breed).to_owned());
    tokens.insert("adoptedOn".to_owned(), adopted_on.to_string());
    tokens.insert("shelter".to_owned(), event.shelter.clone());
    HandInput {
        event_template_id: PetAdopted::EVENT_TYPE.to_owned(),
        id: event.adoption_id.clone(),
        object_id: event.contact_id.to_string(),
        timestamp: event.adopted_at,
        tokens,
    }
}

/// Starts from the capacity `serde_json::to_vec` starts from, so that the
/// three ways pay for the same growth of their output.
fn derive_one(event: &PetAdopted) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    encode_input(event, &mut out).expect("the benchmark event encodes");
    out
}

fn derive_batch(events: &[PetAdopted]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"{\"inputs\":[");
    for (n, event) in events.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        encode_input(event, &mut out).expect("the benchmark event encodes");
    }
    out.extend_from_slice(b"]}");
    out
}

fn hand_one(event: &PetAdopted) -> Vec<u8> {
    serde_json::to_vec(&hand_input(event)).expect("a wire struct serializes")
}

fn hand_batch(events: &[PetAdopted]) -> Vec<u8> {
    serde_json::to_vec(&HandBatch { inputs: events.iter().map(hand_input).collect() })
        .expect("a wire struct serializes")
}

fn plain_one(event: &PetAdopted) -> Vec<u8> {
    serde_json::to_vec(event).expect("a plain struct serializes")
}

fn plain_batch(events: &[PetAdopted]) -> Vec<u8> {
    serde_json::to_vec(&PlainBatch { inputs: events }).expect("a plain struct serializes")
}

/// Refuses to measure when the derive and the hand-written way disagree on
/// what HubSpot receives (tokens, id, target), so the comparison stays fair.
fn check_same_wire_input(event: &PetAdopted) {
    let derived: serde_json::Value = serde_json::from_slice(&derive_one(event)).expect("JSON");
    let hand: serde_json::Value = serde_json::from_slice(&hand_one(event)).expect("JSON");
    for key in ["eventTemplateId", "id", "objectId", "tokens"] {
        assert_eq!(derived[key], hand[key], "`{key}` differs between the derive and the hand-written input");
    }
}

fn one_event(c: &mut Criterion) {
    let event = pet_adopted(7);
    check_same_wire_input(&event);
    let mut group = c.benchmark_group("one_event");
    group.throughput(Throughput::Elements(1));
    group.bench_function("derive", |b| b.iter(|| derive_one(black_box(&event))));
    group.bench_function("hand_map", |b| b.iter(|| hand_one(black_box(&event))));
    group.bench_function("serde_plain", |b| b.iter(|| plain_one(black_box(&event))));
    group.finish();
}

fn batch_100(c: &mut Criterion) {
    let events: Vec<PetAdopted> = (0..100).map(pet_adopted).collect();
    let mut group = c.benchmark_group("batch_100");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("derive", |b| b.iter(|| derive_batch(black_box(&events))));
    group.bench_function("hand_map", |b| b.iter(|| hand_batch(black_box(&events))));
    group.bench_function("serde_plain", |b| b.iter(|| plain_batch(black_box(&events))));
    group.finish();
}

criterion_group!(benches, one_event, batch_100);
criterion_main!(benches);
