//! Shared pieces of the client tests: two event types, the sandbox templates
//! they belong to, and a client tuned for fast tests.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::time::Duration;

use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::events::TokenValue;
use hubspot_timeline::send::{ClientBuilder, RetryPolicy};
use hubspot_timeline::wire::TimelineEventTemplate;
use hubspot_timeline::{Client, TimelineEvent, TimelineToken};
use timeline_sandbox::{Sandbox, SandboxBuilder};

/// The access token the test sandboxes accept.
pub const TOKEN: &str = "test-access-token-0b1c2d";

/// A pet's breed; `Poodle` is not an option of the sandbox template.
#[derive(Debug, Clone, Copy, PartialEq, TimelineToken)]
#[timeline(rename_all = "kebab-case")]
pub enum Breed {
    GoldenRetriever,
    Beagle,
    Poodle,
}

/// An event of the contacts template `1001298`.
#[derive(Debug, Clone, TimelineEvent)]
#[timeline(template_id = "1001298", rename_all = "camelCase")]
pub struct PetAdopted {
    #[timeline(object_id)]
    pub contact_id: u64,
    #[timeline(id)]
    pub adoption_id: String,
    pub pet_name: String,
    pub pet_age: u8,
    pub breed: Breed,
}

/// An event of the deals template `1004521`, generic over its duration type.
#[derive(Debug, Clone, TimelineEvent)]
#[timeline(template_id = "1004521", rename_all = "camelCase")]
pub struct BuildFinished<D: TokenValue> {
    #[timeline(object_id)]
    pub deal_id: u64,
    pub build_number: u32,
    pub duration_seconds: D,
}

/// The sandbox's copy of the two templates.
pub fn templates() -> Vec<TimelineEventTemplate> {
    let pet = r#"{"id":"1001298","name":"Pet adopted","objectType":"contacts","tokens":[
        {"name":"petName","label":"Pet name","type":"string"},
        {"name":"petAge","label":"Pet age","type":"number"},
        {"name":"breed","label":"Breed","type":"enumeration","options":[
            {"label":"Golden retriever","value":"golden-retriever"},{"label":"Beagle","value":"beagle"}]}]}"#;
    let build = r#"{"id":"1004521","name":"Build finished","objectType":"deals","tokens":[
        {"name":"buildNumber","label":"Build","type":"string"},
        {"name":"durationSeconds","label":"Duration","type":"number"}]}"#;
    [pet, build].into_iter().map(|json| serde_json::from_str(json).expect("a valid template")).collect()
}

/// A sandbox with the templates, the test token and no rate limit.
pub fn sandbox() -> SandboxBuilder {
    Sandbox::builder().templates(templates()).access_tokens([TOKEN]).no_rate_limit()
}

/// A sandbox with the templates, the app's OAuth client and no rate limit.
pub async fn oauth_sandbox(client_id: &str, client_secret: &str) -> Sandbox {
    Sandbox::builder()
        .templates(templates())
        .oauth_client(client_id, client_secret)
        .no_rate_limit()
        .start()
        .await
        .expect("the sandbox starts")
}

/// Stores in `store` the tokens `sandbox` granted each of `accounts`,
/// valid for the grant's lifetime from now.
pub fn store_granted(sandbox: &Sandbox, store: &MemoryTokenStore, accounts: impl IntoIterator<Item = u64>) {
    for account in accounts {
        let grant = sandbox.grant(account);
        let expires_at = chrono::Utc::now() + chrono::Duration::seconds(grant.expires_in);
        store.insert(account, AccountTokens::new(grant.access_token, expires_at, grant.refresh_token));
    }
}

/// Retries after a millisecond or two, with fixed jitter.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(8)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(8))
        .with_jitter(|| 1.0)
}

/// A client of `sandbox` with fast retries and a pacing limit tests do not hit.
pub fn client_builder(sandbox: &Sandbox) -> ClientBuilder {
    Client::builder()
        .access_token(TOKEN)
        .base_url(sandbox.url())
        .retry(fast_retry())
        .rate_limit(RateLimit::new(100_000, Duration::from_millis(20)))
}

/// `count` valid adoptions with distinct ids.
pub fn adoptions(count: usize) -> Vec<PetAdopted> {
    (0..count).map(adoption).collect()
}

/// Adoption number `n`.
pub fn adoption(n: usize) -> PetAdopted {
    PetAdopted {
        contact_id: 5000 + n as u64,
        adoption_id: format!("adoption-{n}"),
        pet_name: format!("Pet {n}"),
        pet_age: (n % 20) as u8,
        breed: if n.is_multiple_of(2) { Breed::Beagle } else { Breed::GoldenRetriever },
    }
}

/// The ids of the events the sandbox holds for `template_id`.
pub fn stored_ids(sandbox: &Sandbox, template_id: &str) -> BTreeSet<String> {
    sandbox.events().into_iter().filter(|event| event.event_template_id == template_id).map(|event| event.id).collect()
}

/// Asserts that the sandbox holds exactly these adoptions: none lost, and
/// none written twice (a second write of an id, such as a replacing resend,
/// counts in `inputs_stored`).
pub fn assert_stored_exactly(sandbox: &Sandbox, events: &[PetAdopted]) {
    let ids: BTreeSet<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    let expected: BTreeSet<String> = events.iter().map(|event| event.adoption_id.clone()).collect();
    assert_eq!(ids, expected, "the stored events differ from the ones sent");
    assert_eq!(sandbox.stats().inputs_stored, expected.len() as u64, "an event was written more than once");
}

/// Asserts that each adoption reached the sandbox exactly once: no request
/// carrying it was delivered twice.
pub fn assert_delivered_once(sandbox: &Sandbox, events: &[PetAdopted]) {
    for event in events {
        assert_eq!(sandbox.received("1001298", &event.adoption_id), 1, "{} delivered again", event.adoption_id);
    }
}

/// The adoptions the sandbox received more than once.
pub fn redelivered(sandbox: &Sandbox, events: &[PetAdopted]) -> usize {
    events.iter().filter(|event| sandbox.received("1001298", &event.adoption_id) > 1).count()
}
