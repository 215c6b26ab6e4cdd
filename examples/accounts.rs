//! One public app installed in many HubSpot accounts: onboards 20 accounts
//! through the OAuth flow, sends events to each through the app handle in one
//! call, and prints the report.
//!
//! ```text
//! cargo run --example accounts
//! ```
//!
//! Everything runs against the embedded sandbox (a local stand-in for
//! HubSpot, started in this process), with each account's limit scaled down
//! to 10 requests per second so that the pacing shows in a short run: every
//! account gets its own budget, and the sandbox counts the 429s it answers
//! (the last line's `rate limited`), which the budget keeps at zero.
//!
//! The tokens live in a [`MemoryTokenStore`]; a real app keeps them in its
//! database through its own [`TokenStore`](hubspot_timeline::accounts::TokenStore) (the
//! README's "Many accounts" shows one over a SQL table).

use hubspot_timeline::AccountId;
use hubspot_timeline::Client;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use hubspot_timeline::accounts::MemoryTokenStore;
use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::wire::TimelineEventTemplate;
use hubspot_timeline::{App, TimelineEvent, TimelineToken};
use timeline_sandbox::Sandbox;

/// How many accounts install the app.
const ACCOUNTS: u64 = 20;

/// How many events each account sends.
const EVENTS_PER_ACCOUNT: usize = 1_500;

/// The first account's id; the others follow.
const FIRST_ACCOUNT: u64 = 4_100_001;

/// Where HubSpot would send the installing user back with the code.
const REDIRECT_URI: &str = "https://app.example.com/oauth/callback";

/// Each account's limit, the same on both sides: 10 requests per second.
const REQUESTS_PER_WINDOW: u32 = 10;
const WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum Breed {
    GoldenRetriever,
    Beagle,
}

/// A contact of one customer account adopted a pet. It has no `id` field:
/// its id is derived from its content and, sent through an account client,
/// from the account, so two accounts never share one.
#[derive(TimelineEvent)]
#[timeline(template = "examples/templates/pet-adopted.json", rename_all = "camelCase")]
struct PetAdopted {
    #[timeline(email)]
    adopter_email: String,
    #[timeline(timestamp)]
    adopted_at: chrono::DateTime<Utc>,
    pet_name: String,
    pet_age: u8,
    breed: Breed,
    adopted_on: NaiveDate,
}

fn adoption(n: usize) -> PetAdopted {
    PetAdopted {
        adopter_email: format!("adopter-{n}@example.com"),
        adopted_at: Utc::now(),
        pet_name: format!("Pet {n}"),
        pet_age: (n % 15) as u8,
        breed: if n.is_multiple_of(2) { Breed::Beagle } else { Breed::GoldenRetriever },
        adopted_on: NaiveDate::from_ymd_opt(2026, 5, 4).expect("a valid date"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let template: TimelineEventTemplate = serde_json::from_str(include_str!("templates/pet-adopted.json"))?;
    let limit = RateLimit::new(REQUESTS_PER_WINDOW, WINDOW);
    let sandbox = Sandbox::builder()
        .template(template)
        .oauth_client("accounts-example-client", "accounts-example-secret")
        .rate_limit(timeline_sandbox::RateLimit::new(REQUESTS_PER_WINDOW, WINDOW))
        .start()
        .await?;
    println!("the embedded sandbox is at {}", sandbox.url());

    let store = Arc::new(MemoryTokenStore::new());
    let app = App::builder()
        .client_id("accounts-example-client")
        .client_secret("accounts-example-secret")
        .token_store(store)
        .client(Client::builder().rate_limit(limit).base_url(sandbox.url()))
        .build()?;

    // What an OAuth callback handler does for each install: HubSpot
    // redirects the user back with a code, and one call turns it into
    // stored tokens for the account it was made for.
    let accounts: Vec<u64> = (FIRST_ACCOUNT..FIRST_ACCOUNT + ACCOUNTS).collect();
    for &account in &accounts {
        let code = sandbox.authorization_code(account);
        let installed = app.install(&code, REDIRECT_URI).await?;
        assert_eq!(installed.account, AccountId::new(account), "the code was made for this account");
    }
    println!("installed in {} accounts", accounts.len());

    // The same adoptions in every account: the ids still differ, since
    // they include the account.
    let events = accounts.iter().flat_map(|&account| (0..EVENTS_PER_ACCOUNT).map(move |n| (account, adoption(n))));
    let started = Instant::now();
    let report = app.send_all(events).await?;
    println!("sent in {:.1} s", started.elapsed().as_secs_f64());
    for failure in report.failed().iter().take(10) {
        println!("event {} of account {:?} failed: {}", failure.index, failure.account, failure.reason);
    }
    for &account in accounts.iter().take(3) {
        println!("account {account}: {} events stored", sandbox.events_in(account).len());
    }

    let stats = sandbox.stats();
    println!(
        "accounts: {} accounts, {} events, {} created, {} failed, {} rate limited",
        accounts.len(),
        report.total(),
        report.created_count(),
        report.failed_count(),
        stats.status_count(429)
    );
    Ok(())
}
