//! A relay in front of the [dispatcher](timeline_dispatch::Dispatcher): it
//! serves HubSpot's own timeline create paths (v3 events, single and batch;
//! 2026-03 and `/v4/` app events, single and batch) so that a program in any
//! language keeps HubSpot's official client and changes only its base URL.
//!
//! - **Who calls.** The caller's bearer token names the account: a token
//!   the relay was given ([`Callers`], from a [`TokensFile`]), one whose
//!   token answer passed through the relay, or one HubSpot names when asked
//!   ([`App::introspect`](timeline_core::App::introspect)); what the relay
//!   learns is remembered, in bounded room, until the token expires. A
//!   token HubSpot does not take gets HubSpot's 401.
//! - **Events.** Inputs are checked at the edge against definition files
//!   ([`event_types_from_dir`]), or against the templates the relay learns
//!   from HubSpot ([`TemplateSource`]), with HubSpot's own checks and
//!   answers; every
//!   valid input is stored in the outbox before the answer, which is
//!   HubSpot's real one when the inputs settle within the ack wait, and
//!   otherwise says they are pending (`status: PENDING` and a status link,
//!   [`EventStatus`]; a `207` for a v3 batch, whose official clients take no
//!   `202`, a `202` for the rest).
//! - **Everything else** under the same base URL (templates, token calls,
//!   CRM calls the same client makes) goes to HubSpot unchanged and comes
//!   back unchanged; a request whose token names an account takes a permit
//!   of the account's [budget](timeline_core::App::rate_budget) first and
//!   shows it the answer's rate-limit headers, so the account's pacing sees
//!   all the app's traffic. A path under `/integrators/timeline/` that
//!   HubSpot does not have gets the relay's own 404.
//! - **Tokens that pass.** A token endpoint's answer with a refresh token
//!   is saved in the app's token store for its account
//!   ([`App::save_granted`](timeline_core::App::save_granted)), so that
//!   deliveries outliving the access token renew it.
//! - **Operators** get a [`Console`] at `/admin` (per-account depth, age,
//!   a throughput chart, dead letters and their retry, a token login, an
//!   audit) when [given one](RelayBuilder::console), and, with the
//!   `metrics` feature, `/metrics` in Prometheus' text format
//!   (`RelayBuilder::metrics`).
//!
//! Start from [`Relay::builder`]; the `timeline relay` command runs it.

#![deny(missing_docs)]

mod answer;
mod callers;
mod config;
mod console;
mod error;
mod event_types;
mod forward;
mod forwarder;
mod health;
mod hubspot;
mod input;
mod intake;
mod introspection;
mod known_tokens;
mod learned_templates;
#[cfg(feature = "metrics")]
mod metrics;
mod relay;
mod routes;
mod settlement;
mod state;
mod status;
mod timeline_paths;
mod token_answers;

pub use answer::DELIVERY_FAILED;
pub use callers::{Callers, TokensFile};
pub use config::{DEFAULT_ACK_WAIT, DEFAULT_MAX_BODY_BYTES, RelaySettings};
pub use console::{ADMIN_TOKEN_VAR, Console, ConsoleBuilder, DEFAULT_SESSION_LIFETIME, READ_TOKEN_VAR};
pub use error::Error;
pub use event_types::event_types_from_dir;
pub use learned_templates::{LEARNED_FOR, TemplateSource};
#[cfg(feature = "metrics")]
pub use metrics::{LABELLED_ACCOUNTS, prometheus_recorder};
pub use relay::{Relay, RelayBuilder};
pub use status::{EventStatus, MAX_STATUS_INPUTS};
