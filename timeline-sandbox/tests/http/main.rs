//! HTTP tests of the sandbox: a real server on loopback and a real client.

mod accounts;
mod app_event_schema;
mod app_events;
mod auth;
mod binary;
mod common;
mod concurrency;
mod duplicates;
mod events;
mod faults;
mod inspect;
mod oauth;
mod oauth_2026_03;
mod oauth_schema;
mod rate_limit;
mod schema;
mod start;
mod templates;
mod validation;
