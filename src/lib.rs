//! Typed HubSpot CRM timeline events.
//!
//! A struct with `#[derive(TimelineEvent)]` is one occurrence of a HubSpot
//! timeline event template: its fields are the template's tokens, plus the
//! fields that say whose timeline shows the event, when it happened and what
//! else it carries. The derive checks token names and field types at compile
//! time; [`encode_input`] writes the event as HubSpot receives it.
//!
//! Given the template's definition file,
//! `#[timeline(template = "timeline/pet-adopted.json")]`, the derive takes the
//! template id and object type from it and checks the struct against it: a
//! field that is not one of its tokens, whose type does not fit its token's
//! type, or whose enumeration values are not among the token's options does
//! not compile. Cargo rebuilds the crate when the file changes; see
//! [`TimelineEvent`](derive@TimelineEvent#template-definition-files). A
//! struct bound to an app-event definition (`*-hsmeta.json`) without a
//! template id is an app event of HubSpot's developer platform, checked the
//! same way; see [App events](derive@TimelineEvent#app-events).
//!
//! # Defining events
//!
//! ```
//! use chrono::{DateTime, NaiveDate, TimeZone, Utc};
//! use hubspot_timeline::{TimelineEvent, TimelineToken};
//! use serde::Serialize;
//!
//! /// The options of the template's `breed` enumeration token.
//! #[derive(TimelineToken)]
//! #[timeline(rename_all = "kebab-case")]
//! enum Breed {
//!     GoldenRetriever,
//!     Beagle,
//!     #[timeline(rename = "mixed")]
//!     Other,
//! }
//!
//! /// Sent as the event's `extraData`.
//! #[derive(Serialize)]
//! struct Details {
//!     shelter: &'static str,
//!     microchipped: bool,
//! }
//!
//! #[derive(TimelineEvent)]
//! #[timeline(template_id = "1001298", rename_all = "camelCase")]
//! struct PetAdopted<'a> {
//!     #[timeline(email)]
//!     owner_email: &'a str,                // the contact whose timeline shows it
//!     #[timeline(id)]
//!     adoption_id: u64,                    // idempotency key
//!     #[timeline(timestamp)]
//!     adopted_at: DateTime<Utc>,
//!     pet_name: &'a str,                   // token "petName" (string)
//!     pet_age: u8,                         // token "petAge" (number)
//!     breed: Breed,                        // token "breed" (enumeration)
//!     #[timeline(rename = "vaccinatedOn")]
//!     vaccinated: Option<NaiveDate>,       // token "vaccinatedOn" (date), left out when None
//!     #[timeline(extra_data)]
//!     details: Details,
//!     #[timeline(skip)]
//!     internal_note: String,               // not sent
//! }
//!
//! let event = PetAdopted {
//!     owner_email: "ada@example.com",
//!     adoption_id: 4411,
//!     adopted_at: Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap(),
//!     pet_name: "Rex",
//!     pet_age: 3,
//!     breed: Breed::GoldenRetriever,
//!     vaccinated: None,
//!     details: Details { shelter: "North", microchipped: true },
//!     internal_note: "adopter asked for a follow-up call".into(),
//! };
//!
//! // The tokens as HubSpot will receive them; `vaccinatedOn` is None, so absent.
//! let tokens = event.tokens()?;
//! assert_eq!(tokens["petName"], "Rex");
//! assert_eq!(tokens["petAge"], "3");
//! assert_eq!(tokens["breed"], "golden-retriever");
//! assert!(!tokens.contains_key("vaccinatedOn"));
//!
//! // The event's input in a batch request body.
//! let mut body = Vec::new();
//! let id = hubspot_timeline::encode_input(&event, &mut body)?;
//! assert_eq!(id, "4411");
//! let input: serde_json::Value = serde_json::from_slice(&body)?;
//! assert_eq!(
//!     input,
//!     serde_json::json!({
//!         "eventTemplateId": "1001298",
//!         "tokens": { "petName": "Rex", "petAge": "3", "breed": "golden-retriever" },
//!         "id": "4411",
//!         "email": "ada@example.com",
//!         "timestamp": "2026-05-04T09:15:00.000Z",
//!         "extraData": { "shelter": "North", "microchipped": true },
//!     })
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Sending events
//!
//! A [`Client`] sends any number of events through HubSpot's batch create
//! endpoint with [`SendAll::send_all`]: it encodes them lazily, cuts batches
//! of 100 inputs (and by body size), keeps four requests in flight, paces
//! them under HubSpot's limit of 110 requests per 10 seconds, retries 429s,
//! 5xx and transport failures with the same ids (so nothing is stored twice),
//! splits a batch refused whole to isolate the bad inputs, and reports every
//! event's fate in a [`SendReport`](send::SendReport). Here against the local sandbox:
//!
//! ```
//! use hubspot_timeline::{Client, SendAll, TimelineEvent};
//!
//! #[derive(TimelineEvent)]
//! #[timeline(template_id = "1001298", rename_all = "camelCase")]
//! struct PetFed {
//!     #[timeline(object_id)]
//!     contact_id: u64,
//!     portion_grams: f64,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let template = serde_json::from_value(serde_json::json!({
//! #     "id": "1001298", "name": "Pet fed", "objectType": "contacts",
//! #     "tokens": [{ "name": "portionGrams", "label": "Portion", "type": "number" }]
//! # }))?;
//! # let sandbox = timeline_sandbox::Sandbox::builder().template(template).start().await?;
//! # let base_url = sandbox.url();
//! let client = Client::builder().access_token("oauth-access-token").base_url(base_url).build()?;
//!
//! let events = (0..250).map(|n| PetFed { contact_id: 5100 + n, portion_grams: 80.0 });
//! let bad = PetFed { contact_id: 1, portion_grams: f64::NAN }; // cannot be sent
//! let report = events.chain([bad]).send_all(&client).await?;
//!
//! assert_eq!(report.created_count(), 250);
//! for failure in report.failed() {
//!     println!("event #{} was not stored: {}", failure.index, failure.reason);
//! }
//! assert_eq!(report.failed()[0].index, 250);
//! # assert_eq!(sandbox.events().len(), 250);
//! # Ok(())
//! # }
//! ```
//!
//! Per-event failures are data in the report; [`Error`] is for what stops a
//! whole call (configuration, credentials refused, the overall deadline).
//!
//! # Many accounts
//!
//! A public app installed in many HubSpot accounts builds one
//! [`App`]: its OAuth client id and secret, a [`TokenStore`](accounts::TokenStore) holding each
//! account's tokens (usually over the user's own table; [`MemoryTokenStore`](accounts::MemoryTokenStore)
//! here), and a [`RateBudget`](budget::RateBudget) pacing each account to its own 110 requests
//! per 10 s. [`App::install`] onboards an account from the OAuth callback,
//! [`App::account`] hands out an account's [`Client`], and [`App::send_all`]
//! sends `(account, event)` pairs of many accounts with one report:
//!
//! ```
//! use std::sync::Arc;
//! use hubspot_timeline::{App, Client, TimelineEvent};
//! use hubspot_timeline::accounts::MemoryTokenStore;
//! use hubspot_timeline::send::FailureReason;
//!
//! #[derive(TimelineEvent)]
//! #[timeline(template_id = "1001298", rename_all = "camelCase")]
//! struct PetFed {
//!     #[timeline(object_id)]
//!     contact_id: u64,
//!     portion_grams: f64,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let template = serde_json::from_value(serde_json::json!({
//! #     "id": "1001298", "name": "Pet fed", "objectType": "contacts",
//! #     "tokens": [{ "name": "portionGrams", "label": "Portion", "type": "number" }]
//! # }))?;
//! # let sandbox = timeline_sandbox::Sandbox::builder().template(template).oauth_client("app-id", "app-secret").start().await?;
//! # let base_url = sandbox.url();
//! let app = App::builder()
//!     .client_id("app-id")
//!     .client_secret("app-secret")
//!     .token_store(Arc::new(MemoryTokenStore::new()))
//!     .client(Client::builder().base_url(base_url))
//!     .build()?;
//!
//! // In the OAuth callback of each install:
//! # let (code_101, code_202) = (sandbox.authorization_code(101), sandbox.authorization_code(202));
//! for code in [code_101, code_202] {
//!     let installed = app.install(&code, "https://example.com/oauth/callback").await?;
//!     println!("account {} installed", installed.account);
//! }
//!
//! let events = (0..20).map(|n| (if n % 2 == 0 { 101 } else { 202 }, PetFed { contact_id: 5100 + n, portion_grams: 80.0 }));
//! let report = app.send_all(events).await?;
//! assert_eq!(report.created_count(), 20);
//! for failure in report.failed() {
//!     if let FailureReason::InstallRevoked { account } = *failure.reason {
//!         eprintln!("account {account} uninstalled the app");
//!     }
//! }
//! # assert_eq!(sandbox.events_in(202).len(), 10);
//! # Ok(())
//! # }
//! ```
//! With `features = ["sandbox"]`, `hubspot_timeline::sandbox` re-exports the local stand-in
//! for HubSpot, for your own tests.
//!
//! The attributes of both derives, and the rules checked at compile time,
//! are documented on [`TimelineEvent`](derive@TimelineEvent) and
//! [`TimelineToken`](derive@TimelineToken).
//!
//! # Where things are
//!
//! | module | what it holds |
//! |---|---|
//! | the root | the two derives and their traits ([`TimelineEvent`], [`TimelineToken`]), [`encode_input`], and with `client` the four names most programs need: [`Client`], [`SendAll`], [`App`], [`Error`] |
//! | [`events`] | defining events: the traits, token kinds and values, targets, event ids, template definition files, encoding |
//! | `send` | sending (`client`): [`Client`] and its builder, `send_all` and its report ([`SendReport`](send::SendReport), [`Outcome`](send::Outcome), [`FailureReason`](send::FailureReason)), the tagged entry point for callers that keep their own records, retries and timeouts |
//! | `accounts` | many accounts (`client`): [`App`], installs, the [`TokenStore`](accounts::TokenStore) and its renewal lock, the OAuth API version, token introspection |
//! | `budget` | pacing (`client`): [`RateBudget`](budget::RateBudget), the in-process [`LocalRateBudget`](budget::LocalRateBudget), [`RateLimit`](budget::RateLimit) |
//! | `templates` | HubSpot's template API (`client`): [`Templates`](templates::Templates), the app-event API version |
//! | [`wire`] | HubSpot's request and answer bodies, as serde types |
//! | `dispatch`, `postgres`, `redis`, `sandbox` | the optional crates, one module each (see the features) |
//!
//! # Features
//!
//! | feature | what it brings |
//! |---|---|
//! | `derive` (default) | the two derives |
//! | `client` (default) | [`Client`], [`SendAll`], [`Templates`](templates::Templates) and [`App`] with its [`TokenStore`](accounts::TokenStore) and [`RateBudget`](budget::RateBudget), over reqwest (rustls) and tokio. A crate that only defines event types can depend on `hubspot-timeline` with `default-features = false, features = ["derive"]`; it then builds without the HTTP stack, and the events it defines are sent by any crate that has the client |
//! | `dispatch` | background delivery for services, as `hubspot_timeline::dispatch`: the dispatcher and its outboxes (in memory, SQLite) |
//! | `postgres` | the Postgres outbox and token store, as `hubspot_timeline::postgres` (with `dispatch`; TLS over rustls) |
//! | `redis` | `RedisRateBudget`, one rate budget per account shared by every replica of a service, as `hubspot_timeline::redis` (`rediss://` over rustls) |
//! | `metrics` | the dispatcher's counters, gauges and histograms through the `metrics` facade crate (with `dispatch`) |
//! | `sandbox` | the local stand-in for HubSpot, as `hubspot_timeline::sandbox`, for your own tests |
//! | `uuid` | `uuid::Uuid` as an `id` or `object_id` field and as a string token |
//! | `time` | the `time` crate's date and time types wherever chrono's work, encoded the same way |
//! | `rust_decimal` | `rust_decimal::Decimal` as a number token, written exactly as its `Display` |
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "derive")]
#[doc = include_str!("docs/derive-timeline-event.md")]
pub use timeline_derive::TimelineEvent;

#[cfg(feature = "derive")]
#[doc = include_str!("docs/derive-timeline-token.md")]
pub use timeline_derive::TimelineToken;

pub use timeline_core::{AccountId, EncodeError, TimelineEvent, TimelineToken, encode_input};
#[cfg(feature = "client")]
pub use timeline_core::{App, Client, Error, SendAll};

pub use timeline_core::wire;

/// Defining events: the traits the derives implement, token kinds and
/// values, whose timeline an event lands on, event ids, template definition
/// files, and encoding an event as HubSpot receives it.
pub mod events {
    pub use timeline_core::{
        DerivedId, EncodeError, EncodedInput, EventKind, InputFields, MAX_EVENT_ID_BYTES, Target, TemplateFile,
        TemplateFileError, TimelineEvent, TimelineToken, TokenKind, TokenSpec, TokenValue, check_event_id,
        encode_input, event_id, event_id_for_account, to_app_event_wire, to_wire,
    };

    /// What implementing [`TimelineEvent`] or [`TokenValue`] by hand
    /// uses, and the traits that say which types a role field
    /// (`#[timeline(email)]`, `#[timeline(timestamp)]`, …) accepts. The
    /// derives write all of it for you.
    pub mod by_hand {
        pub use timeline_core::{
            DomainField, EmailField, EventIdField, ExtraDataVisitor, IdText, IframeField, ObjectIdField,
            ObjectTypeField, TimestampField, TokenText, TokenWriter, UtkField,
        };
    }
}

/// Sending events: [`Client`], `send_all` and its report, the
/// tagged entry point for callers that keep their own records
/// ([`Client::deliver`]), retries and timeouts.
#[cfg(feature = "client")]
pub mod send {
    pub use timeline_core::{
        AnyEvent, Client, ClientBuilder, Created, DEFAULT_BASE_URL, DEFAULT_MAX_FAILURE_ENTRIES, DeliverBuilder,
        Delivery, Error, ErrorSource, EventInput, Failure, FailureReason, Outcome, PreparedInput, Resent, RetryPolicy,
        SendAll, SendAllBuilder, SendAllStream, SendError, SendReport, Timeouts,
    };
}

/// Many accounts: the [`App`] of a public app installed in
/// many HubSpot accounts, the [`TokenStore`](accounts::TokenStore) holding
/// each account's OAuth tokens, and the OAuth API it speaks.
#[cfg(feature = "client")]
pub mod accounts {
    pub use timeline_core::{
        AccountTokens, App, AppBuilder, BoxFuture, DEFAULT_APP_MAX_IN_FLIGHT, Installed, MemoryTokenStore,
        NoRenewalLock, OAuthApi, RenewalLock, StoreError, TokenDetails, TokenStore, TokenUse,
    };
}

/// Pacing: the [`RateBudget`](budget::RateBudget) each account's requests
/// wait on, the in-process one, and the [`RateLimit`](budget::RateLimit) it
/// enforces.
#[cfg(feature = "client")]
pub mod budget {
    pub use timeline_core::{
        BoxFuture, BudgetError, LocalRateBudget, RateBudget, RateLimit, RateLimitHeaders, RatePermit, WindowUsage,
    };
}

/// HubSpot's template API ([`Templates`](templates::Templates)), the
/// version of the app-event API a client speaks, and the move of a v3
/// template to an app event ([`Migration`](templates::Migration), set up
/// with [`AppBuilder::migrate`](accounts::AppBuilder::migrate) from a
/// [`Definition`](templates::Definition) that [`definition::read`](templates::definition::read)
/// reads from a `*-hsmeta.json` file).
#[cfg(feature = "client")]
pub mod templates {
    pub use timeline_core::{
        AppEventsApi, DEFAULT_APP_EVENT_BATCH_SIZE, Definition, Migration, TemplateViolation, Templates, definition,
    };
}

#[doc(hidden)]
pub use timeline_core::__private;

#[cfg(feature = "sandbox")]
pub use timeline_sandbox as sandbox;

/// Background delivery for services: the dispatcher and its outboxes.
#[cfg(feature = "dispatch")]
pub use timeline_dispatch as dispatch;

/// The Postgres outbox: events enqueued in the caller's own transaction.
#[cfg(feature = "postgres")]
pub use timeline_postgres as postgres;

/// One rate budget per account shared by every replica, in Redis.
#[cfg(feature = "redis")]
pub use timeline_redis as redis;
