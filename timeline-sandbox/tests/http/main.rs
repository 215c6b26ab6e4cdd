//! HTTP tests of the sandbox: a real server on loopback and a real client.

mod common;
mod events;
mod validation;
