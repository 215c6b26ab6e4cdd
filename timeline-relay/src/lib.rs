//! A relay in front of the [dispatcher](timeline_dispatch::Dispatcher): it
//! serves HubSpot's own timeline create paths (v3 events, single and batch;
//! 2026-03 and `/v4/` app events, single and batch) so that a program in any
//! language keeps HubSpot's official client and changes only its base URL.
//! The caller's bearer token names the account ([`Callers`], from a
//! [`TokensFile`]); inputs are checked at the edge against definition files
//! ([`event_types_from_dir`]) with HubSpot's own checks and answers; every
//! valid input is stored in the outbox before the answer, which is HubSpot's
//! real one when the inputs settle within the ack wait, and otherwise says
//! they are pending (`status: PENDING` and a status link, [`EventStatus`]; a
//! `207` for a v3 batch, whose official clients take no `202`, a `202` for
//! the rest).
//! Start from [`Relay::builder`]; the `timeline relay` command runs it.

#![deny(missing_docs)]

mod answer;
mod callers;
mod config;
mod error;
mod event_types;
mod health;
mod hubspot;
mod input;
mod intake;
mod relay;
mod routes;
mod settlement;
mod state;
mod status;

pub use answer::DELIVERY_FAILED;
pub use callers::{Callers, TokensFile};
pub use config::{DEFAULT_ACK_WAIT, DEFAULT_MAX_BODY_BYTES, RelaySettings};
pub use error::Error;
pub use event_types::event_types_from_dir;
pub use relay::{Relay, RelayBuilder};
pub use status::{EventStatus, MAX_STATUS_INPUTS};
