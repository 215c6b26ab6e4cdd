//! The relay over real HTTP on loopback, in front of a real SQLite outbox
//! in a temporary folder, delivering to an in-process sandbox as HubSpot.

mod checks;
mod common;
mod console;
mod console_browser;
mod dead;
mod delivery;
mod forwarding;
mod introspection;
mod learned_templates;
mod metrics;
mod migration;
mod oauth;
mod official_clients;
mod pending;
mod refusals;
