//! Sends a few thousand events of two types with `send_all` and prints the
//! report.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! By default the events go to the embedded sandbox (a local stand-in for
//! HubSpot, started in this process). To send them to HubSpot instead, set:
//!
//! - `HUBSPOT_ACCESS_TOKEN`: an OAuth access token with the `timeline` scope;
//! - `HUBSPOT_PET_TEMPLATE_ID`: the id of a contacts template shaped like
//!   `examples/templates/pet-adopted.json`;
//! - `HUBSPOT_BUILD_TEMPLATE_ID`: the id of a deals template shaped like
//!   `examples/templates/build-finished.json`;
//! - `HUBSPOT_DEAL_ID`: the deal the build events go on.
//!
//! The pet events go to contacts by email (`adopter-N@example.com`), which
//! HubSpot creates when they do not exist.

use std::env;
use std::error::Error;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use hubspot_timeline::wire::TimelineEventTemplate;
use hubspot_timeline::{
    AnyEvent, Client, EncodeError, EventInput, SendAll, SendReport, TimelineEvent, TimelineToken, TokenValue, to_wire,
};
use timeline_sandbox::Sandbox;

#[derive(Debug, Clone, Copy, TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum Breed {
    GoldenRetriever,
    Beagle,
}

/// A contact adopted a pet.
#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", rename_all = "camelCase")]
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
#[timeline(template_id = "1004521", rename_all = "camelCase")]
struct BuildFinished<D: TokenValue> {
    #[timeline(object_id)]
    deal_id: String,
    build_number: u32,
    duration_seconds: D,
}

/// An event sent under the template id of the account at hand (HubSpot's
/// template ids differ from the sandbox's).
struct OnTemplate<E> {
    template_id: String,
    event: E,
}

impl<E: TimelineEvent> EventInput for OnTemplate<E> {
    fn template_id(&self) -> &str {
        &self.template_id
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        let mut input = to_wire(&self.event)?;
        input.event_template_id.clone_from(&self.template_id);
        serde_json::to_writer(&mut *out, &input).expect("a wire event always serializes");
        Ok(input.id.unwrap_or_default())
    }
}

/// Where the events go.
struct Target {
    client: Client,
    pet_template_id: String,
    build_template_id: String,
    deal_id: String,
    sandbox: Option<Sandbox>,
}

async fn target() -> Result<Target, Box<dyn Error>> {
    if let Ok(token) = env::var("HUBSPOT_ACCESS_TOKEN") {
        let required = |name: &str| env::var(name).map_err(|_| format!("{name} must be set with HUBSPOT_ACCESS_TOKEN"));
        return Ok(Target {
            client: Client::builder().access_token(token).build()?,
            pet_template_id: required("HUBSPOT_PET_TEMPLATE_ID")?,
            build_template_id: required("HUBSPOT_BUILD_TEMPLATE_ID")?,
            deal_id: required("HUBSPOT_DEAL_ID")?,
            sandbox: None,
        });
    }
    let templates: Vec<TimelineEventTemplate> = vec![
        serde_json::from_str(include_str!("templates/pet-adopted.json"))?,
        serde_json::from_str(include_str!("templates/build-finished.json"))?,
    ];
    let sandbox = Sandbox::builder().templates(templates).start().await?;
    println!("sending to the embedded sandbox at {}", sandbox.url());
    Ok(Target {
        client: Client::builder().access_token("sandbox-token").base_url(sandbox.url()).build()?,
        pet_template_id: PetAdopted::TEMPLATE_ID.to_owned(),
        build_template_id: <BuildFinished<f64>>::TEMPLATE_ID.to_owned(),
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
        println!("  failed #{} ({}): {}{landed}", failure.index, failure.template_id, failure.reason);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = target().await?;
    let start = Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).single().ok_or("a valid start time")?;

    let pets = (0..3_000u32).map(|n| OnTemplate {
        template_id: target.pet_template_id.clone(),
        event: PetAdopted {
            adopter_email: format!("adopter-{n}@example.com"),
            adoption_id: format!("adoption-{n}"),
            adopted_at: start + Duration::minutes(i64::from(n)),
            pet_name: format!("Pet {n}"),
            pet_age: (n % 15) as u8,
            breed: if n % 3 == 0 { Breed::Beagle } else { Breed::GoldenRetriever },
            adopted_on: start.date_naive(),
        },
    });
    let builds = (0..1_000u32).map(|n| OnTemplate {
        template_id: target.build_template_id.clone(),
        event: BuildFinished {
            deal_id: target.deal_id.clone(),
            build_number: n,
            // One build with a broken timer: NaN cannot be sent, so it fails alone.
            duration_seconds: if n == 500 { f64::NAN } else { 60.0 + f64::from(n % 90) / 4.0 },
        },
    });
    let events = pets.map(AnyEvent::new).chain(builds.map(AnyEvent::new));

    let report = events.send_all(&target.client).await?;
    print(&report);

    if let Some(sandbox) = target.sandbox {
        println!("the sandbox holds {} events", sandbox.events().len());
        sandbox.shutdown().await;
    }
    Ok(())
}
