//! A faithful local stand-in for HubSpot's CRM timeline v3 API and its
//! successor, app events, for tests.
//!
//! The sandbox serves HubSpot's event, event-template, token and OAuth token
//! endpoints on loopback, with HubSpot's status codes and bodies (the serde
//! model of [`timeline_core::wire`]). It validates each event input against
//! the template it names, with the checks of [`timeline_core::check`] (the
//! command line's dry run uses the same), and answers 201, or 207 with one
//! `StandardError` per bad input; it keeps events keyed by (template, id), answering a repeated
//! id as [`DuplicateIds`] says, and counts every input received per
//! (template, id) so a test can see a duplicate delivery; it enforces
//! HubSpot's rolling rate limit with its headers and 429 body; and it
//! injects seeded faults: error statuses, delays, and connections closed
//! after the events were stored.
//!
//! App events (HubSpot's `2026-03` and `/v4/` paths) have types read from
//! `*-hsmeta.json` definitions ([`SandboxBuilder::app_events_from_dir`]);
//! each occurrence is checked against its type, a request with any invalid
//! occurrence is refused whole with 400, and one with an occurrence that
//! exists with 409, storing nothing; stored occurrences are
//! [`AppEventOccurrence`]s ([`Sandbox::app_events`]).
//!
//! It knows many accounts (HubSpot accounts, by hub id): each token belongs
//! to one, and the rate limit, the daily limit, the stored events and the
//! counts are per account, while event ids stay unique across accounts. An
//! account's tokens come from [`SandboxBuilder::account_token`], or from its
//! OAuth install flow: [`Sandbox::authorization_code`] and a token endpoint,
//! with [`Sandbox::revoke`] to uninstall. Without any registration every
//! non-empty token is accepted and everything belongs to [`DEFAULT_ACCOUNT`].
//!
//! OAuth comes in HubSpot's two APIs, which share the grants, the accounts
//! and the tokens: v1 (`POST /oauth/v1/token`, `GET
//! /oauth/v1/access-tokens/{token}`), which HubSpot retires on 2027-02-16,
//! and 2026-03 (also spelt `/oauth/v3/`): `POST /oauth/2026-03/token`,
//! `POST /oauth/2026-03/token/introspect` (a
//! [`wire::TokenInfoResponse`]) and `POST /oauth/2026-03/token/revoke`
//! (204; revokes one refresh token), every parameter in a form body, whose
//! refusals are HubSpot's `Error` body with OAuth's error code
//! (`invalid_client`, `invalid_request`, `invalid_grant`,
//! `unsupported_grant_type`) as `subCategory`. See
//! [`SandboxBuilder::oauth_client`].
//!
//! ```no_run
//! use timeline_sandbox::{Fault, Faults, Sandbox};
//! use timeline_sandbox::wire::TimelineEventTemplate;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let template: TimelineEventTemplate = serde_json::from_str(
//!     r#"{"id":"1001298","name":"Pet adopted","objectType":"contacts",
//!         "tokens":[{"name":"petAge","label":"Age","type":"number"}]}"#,
//! )?;
//! let sandbox = Sandbox::builder()
//!     .template(template)
//!     .faults(Faults::seeded(42).share(0.2, Fault::Status(503)))
//!     .start()
//!     .await?;
//! // Point the client at `sandbox.url()`, send events, then inspect:
//! let stored = sandbox.events();
//! let stats = sandbox.stats();
//! # let _ = (stored, stats);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Routes besides HubSpot's: `GET /_sandbox/events` (`{"results": [...]}`),
//! `GET /_sandbox/stats` ([`Stats`]), both taking `?account=101` for one
//! account, `GET /_sandbox/received`
//! (`{"results": [{"eventTemplateId": …, "id": …, "count": …}]}`) and
//! `GET /_sandbox/app-events` (`{"results": [...]}`, `?account=` too),
//! `GET /_sandbox/app-events/received`
//! (`{"results": [{"eventTypeName": …, "id": …, "count": …}]}`) and
//! `POST /_sandbox/reset`.
#![deny(missing_docs)]

mod accounts;
mod app_events;
mod auth;
mod builder;
mod config;
mod duplicates;
mod faults;
#[cfg(feature = "cli")]
mod options;
mod rate_limit;
mod received;
mod reply;
mod routes;
mod sandbox;
mod server;
mod state;
mod stats;
mod store;
mod templates;

pub use accounts::{DEFAULT_ACCOUNT, Grant};
pub use app_events::AppEventOccurrence;
pub use builder::{
    DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_MAX_APP_EVENT_BATCH_INPUTS, DEFAULT_MAX_BATCH_INPUTS, DEFAULT_MAX_BODY_BYTES,
    SandboxBuilder, StartError,
};
pub use duplicates::DuplicateIds;
pub use faults::{Fault, Faults};
#[cfg(feature = "cli")]
pub use options::{SandboxOptions, stop_signal};
pub use sandbox::Sandbox;
pub use stats::Stats;
pub use timeline_core::RateLimit;
pub use timeline_core::wire;
