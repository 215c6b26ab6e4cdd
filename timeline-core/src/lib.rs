//! The runtime of [hubspot-timeline](https://docs.rs/hubspot-timeline):
//! typed HubSpot CRM timeline events.
//!
//! Most users depend on the `hubspot-timeline` facade and write
//! `#[derive(TimelineEvent)]`; this crate holds what the derive expands to:
//!
//! - [`TimelineEvent`], the trait of a typed event, with [`Target`],
//!   [`TokenSpec`] and [`TokenWriter`];
//! - [`TokenValue`], how a Rust value becomes token text, and
//!   [`TimelineToken`] for enumeration enums;
//! - [`encode_input`], which writes an event's JSON input straight from the
//!   struct (a v3 timeline event's input, or an app event's
//!   `AppEventOccurrence`: see [`EventKind`]), and [`event_id`], the
//!   deterministic id of events without one;
//! - [`wire`], the serde model of HubSpot's request and response bodies;
//! - [`Migration`], which sends the events of a v3 template as occurrences
//!   of the app-event type `timeline migrate` made from it;
//! - [`check`], HubSpot's checks of an event input against the definition
//!   of its event type, with HubSpot's words for each problem (the
//!   sandbox answers with them; the command line's dry run uses them);
//! - with the `client` feature (on by default), [`Client`], which sends any
//!   number of events with [`SendAll`]: chunked, paced, retried without
//!   duplicates, each event's fate in a [`SendReport`], v3 events and app
//!   events each to their own API ([`AppEventsApi`]); [`Templates`], the
//!   template and token endpoints; and [`App`], one public app installed in
//!   many accounts: a [`Client`] per account from
//!   [`App::account`], tokens in a [`TokenStore`], each account paced by a
//!   [`RateBudget`], onboarding with [`App::install`] and one call for many
//!   accounts with [`App::send_all`]. The same engine serves a queue of
//!   your own: [`Client::deliver`] sends [`PreparedInput`]s tagged with
//!   your records' ids and gives back each tag with its [`Outcome`].
//!
//! One error type says that a call failed: [`Error`]. What fails one event
//! is not an error of the call but data about that event: [`EncodeError`]
//! (it cannot be written; a derive-only crate meets it without the client)
//! and [`FailureReason`] in a [`SendReport`]. [`SendError`] is the [`Error`]
//! that stopped a send, handed back with the report of what was done (as
//! tokio's `SendError` hands back the value). A definition file that cannot
//! be read is `timeline-template`'s error, [`TemplateFileError`].
//!
//! A crate that only defines events can leave the client out
//! (`default-features = false`): it then builds without reqwest and tokio.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use timeline_core::{EncodeError, Target, TimelineEvent, TokenSpec, TokenValue, TokenWriter};
//!
//! struct BuildFinished {
//!     contact_id: u64,
//!     build_number: u32,
//!     duration_seconds: f64,
//!     finished_at: chrono::DateTime<Utc>,
//! }
//!
//! impl TimelineEvent for BuildFinished {
//!     const EVENT_TYPE: &'static str = "1004521";
//!     const TOKENS: &'static [TokenSpec] = &[
//!         TokenSpec { name: "buildNumber", kind: <u32 as TokenValue>::KIND },
//!         TokenSpec { name: "durationSeconds", kind: <f64 as TokenValue>::KIND },
//!     ];
//!     fn target(&self) -> Target<'_> {
//!         Target { object_id: Some(self.contact_id.into()), ..Target::default() }
//!     }
//!     fn timestamp(&self) -> Option<chrono::DateTime<Utc>> {
//!         Some(self.finished_at)
//!     }
//!     fn write_tokens(&self, tokens: &mut TokenWriter<'_>) -> Result<(), EncodeError> {
//!         tokens.token("buildNumber", &self.build_number)?;
//!         tokens.token("durationSeconds", &self.duration_seconds)
//!     }
//! }
//!
//! let event = BuildFinished {
//!     contact_id: 5120345,
//!     build_number: 7731,
//!     duration_seconds: 412.5,
//!     finished_at: Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap(),
//! };
//! let mut body = Vec::new();
//! let id = timeline_core::encode_input(&event, &mut body).unwrap();
//! let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
//! assert_eq!(json["tokens"]["durationSeconds"], "412.5");
//! assert_eq!(json["timestamp"], "2026-05-04T09:15:00.000Z");
//! assert_eq!(json["id"], id.as_str());
//! ```

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod account;
pub mod check;
#[cfg(feature = "client")]
mod client;
mod encode;
mod error;
mod event;
mod id;
mod id_hash;
mod id_text;
mod input_fields;
mod kind;
mod migration;
mod rate_limit;
mod role;
mod target;
mod template_file;
mod token;
mod token_writer;
pub mod wire;

#[doc(hidden)]
pub mod __private;

pub use account::AccountId;
#[cfg(feature = "client")]
pub use client::BudgetError;
#[cfg(feature = "client")]
pub use client::{
    AccountTokens, AnyEvent, App, AppBuilder, AppEventsApi, BoxFuture, Client, ClientBuilder, Created,
    DEFAULT_APP_EVENT_BATCH_SIZE, DEFAULT_APP_MAX_IN_FLIGHT, DEFAULT_BASE_URL, DEFAULT_MAX_FAILURE_ENTRIES,
    DeliverBuilder, Delivery, EventInput, Failure, FailureReason, Installed, LocalRateBudget, MemoryTokenStore,
    NoRenewalLock, OAuthApi, Outcome, PreparedInput, RateBudget, RateLimitHeaders, RatePermit, RenewalLock, Resent,
    RetryPolicy, SendAll, SendAllBuilder, SendAllStream, SendError, SendReport, StoreError, TemplateViolation,
    Templates, Timeouts, TokenDetails, TokenStore, TokenUse, WindowUsage,
};
pub use encode::{EncodedInput, encode_input, to_app_event_wire, to_wire};
pub use error::EncodeError;
#[cfg(feature = "client")]
pub use error::{Error, ErrorSource};
pub use event::{ExtraDataVisitor, TimelineEvent};
pub use id::{DerivedId, MAX_EVENT_ID_BYTES, check_event_id, event_id, event_id_for_account};
pub use id_text::IdText;
pub use input_fields::InputFields;
pub use kind::EventKind;
pub use migration::Migration;
pub use rate_limit::{RateLimit, RollingWindow};
pub use role::{
    DomainField, EmailField, EventIdField, IframeField, ObjectIdField, ObjectTypeField, TimestampField, UtkField,
};
pub use target::Target;
pub use template_file::TemplateFile;
pub use timeline_template::Error as TemplateFileError;
pub use timeline_template::{Definition, definition};
pub use token::{TimelineToken, TokenKind, TokenSpec, TokenText, TokenValue};
pub use token_writer::TokenWriter;
