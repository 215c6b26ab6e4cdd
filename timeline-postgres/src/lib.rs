//! The Postgres outbox of hubspot-timeline's dispatcher.
//!
//! Re-exported by `hubspot-timeline` under its `postgres` feature.

#![warn(missing_docs)]
