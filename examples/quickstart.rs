//! Sends a few thousand events of three types with `send_all` and prints
//! the report: two v3 timeline event types and one app-event type, which
//! the same call sends to HubSpot's app-event API.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Every event type is bound to a definition file in `examples/templates/`
//! (HubSpot's template JSON for the v3 types, an app-event
//! `*-hsmeta.json` for the webinar registrations), so a field that does not
//! match its definition does not compile. By default the events go to the
//! embedded sandbox (a local stand-in for HubSpot, started in this process,
//! holding the same templates and app-event type). To send them to HubSpot
//! instead, put your app's template files in `examples/templates/` (same
//! token names and types; `timeline templates pull` writes them), deploy the
//! app-event definition with your app's project, and set:
//!
//! - `HUBSPOT_ACCESS_TOKEN`: an OAuth access token with the `timeline` scope;
//! - `HUBSPOT_DEAL_ID`: the deal the build events go on.
//!
//! The pet events and the webinar registrations go to contacts by email
//! (`adopter-N@example.com`), which HubSpot creates when they do not exist.

use std::env;
use std::error::Error;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use hubspot_timeline::events::TokenValue;
use hubspot_timeline::send::{AnyEvent, SendReport};
use hubspot_timeline::wire::TimelineEventTemplate;
use hubspot_timeline::{Client, SendAll, TimelineEvent, TimelineToken};
use timeline_sandbox::Sandbox;

#[derive(Debug, Clone, Copy, TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum Breed {
    GoldenRetriever,
    Beagle,
}

/// A contact adopted a pet.
#[derive(TimelineEvent)]
#[timeline(template = "examples/templates/pet-adopted.json", rename_all = "camelCase")]
struct PetAdopted {
    #[timeline(email)]
    adopter_email: String,
    #[timeline(id)]
    adoption_id: String,
    #[timeline(timestamp)]
    adopted_at: chrono::DateTime<Utc>,
    pet_name: String,
    pet_age: u8,
    breed: Breed,
    adopted_on: NaiveDate,
}

/// A CI build of a deal's project finished; generic over how its duration is measured.
#[derive(TimelineEvent)]
#[timeline(template = "examples/templates/build-finished.json", rename_all = "camelCase")]
struct BuildFinished<D: TokenValue> {
    #[timeline(object_id)]
    deal_id: String,
    build_number: u32,
    duration_seconds: D,
}

#[derive(Debug, Clone, Copy, TimelineToken)]
#[timeline(rename_all = "lowercase")]
enum WebinarType {
    Ama,
    Demo,
}

/// A contact registered for a webinar: an app event, since its definition
/// is an app-event `*-hsmeta.json` (its `uid` is the event type name).
#[derive(TimelineEvent)]
#[timeline(template = "examples/templates/webinar-registered-hsmeta.json", rename_all = "camelCase")]
struct WebinarRegistered {
    #[timeline(email)]
    email: String,
    #[timeline(id)]
    registration_id: String,
    webinar_name: String,
    webinar_type: WebinarType,
}

/// Where the events go.
struct Target {
    client: Client,
    deal_id: String,
    sandbox: Option<Sandbox>,
}

async fn target() -> Result<Target, Box<dyn Error>> {
    if let Ok(token) = env::var("HUBSPOT_ACCESS_TOKEN") {
        return Ok(Target {
            client: Client::builder().access_token(token).build()?,
            deal_id: env::var("HUBSPOT_DEAL_ID")
                .map_err(|_| "HUBSPOT_DEAL_ID must be set with HUBSPOT_ACCESS_TOKEN")?,
            sandbox: None,
        });
    }
    let templates: Vec<TimelineEventTemplate> = vec![
        serde_json::from_str(include_str!("templates/pet-adopted.json"))?,
        serde_json::from_str(include_str!("templates/build-finished.json"))?,
    ];
    let sandbox = Sandbox::builder()
        .templates(templates)
        .app_events_from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/templates"))
        .start()
        .await?;
    println!("sending to the embedded sandbox at {}", sandbox.url());
    Ok(Target {
        client: Client::builder().access_token("sandbox-token").base_url(sandbox.url()).build()?,
        deal_id: "7001".to_owned(),
        sandbox: Some(sandbox),
    })
}

fn print(report: &SendReport) {
    println!(
        "{} events: {} created, {} failed (complete: {})",
        report.total(),
        report.created_count(),
        report.failed_count(),
        report.is_complete()
    );
    for created in report.created().iter().take(3) {
        println!("  created #{} id {} on record {:?}", created.index, created.id, created.object_id);
    }
    for failure in report.failed() {
        let landed = if failure.reason.may_have_landed() { " (may have landed; safe to resend)" } else { "" };
        println!("  failed #{} ({}): {}{landed}", failure.index, failure.event_type, failure.reason);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = target().await?;
    let start = Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).single().ok_or("a valid start time")?;

    let pets = (0..3_000u32).map(|n| PetAdopted {
        adopter_email: format!("adopter-{n}@example.com"),
        adoption_id: format!("adoption-{n}"),
        adopted_at: start + Duration::minutes(i64::from(n)),
        pet_name: format!("Pet {n}"),
        pet_age: (n % 15) as u8,
        breed: if n % 3 == 0 { Breed::Beagle } else { Breed::GoldenRetriever },
        adopted_on: start.date_naive(),
    });
    let builds = (0..1_000u32).map(|n| BuildFinished {
        deal_id: target.deal_id.clone(),
        build_number: n,
        // One build with a broken timer: NaN cannot be sent, so it fails alone.
        duration_seconds: if n == 500 { f64::NAN } else { 60.0 + f64::from(n % 90) / 4.0 },
    });
    let registrations = (0..500u32).map(|n| WebinarRegistered {
        email: format!("adopter-{n}@example.com"),
        registration_id: format!("registration-{n}"),
        webinar_name: format!("Adopting a pet, part {}", n % 4 + 1),
        webinar_type: if n % 2 == 0 { WebinarType::Ama } else { WebinarType::Demo },
    });
    let events = pets.map(AnyEvent::new).chain(builds.map(AnyEvent::new)).chain(registrations.map(AnyEvent::new));

    let report = events.send_all(&target.client).await?;
    print(&report);

    if let Some(sandbox) = target.sandbox {
        println!(
            "the sandbox holds {} timeline events and {} app-event occurrences",
            sandbox.events().len(),
            sandbox.app_events().len()
        );
        sandbox.shutdown().await;
    }
    Ok(())
}
