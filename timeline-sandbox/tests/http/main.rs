//! HTTP tests of the sandbox: a real server on loopback and a real client.

mod auth;
mod common;
mod events;
mod faults;
mod rate_limit;
mod templates;
mod validation;
