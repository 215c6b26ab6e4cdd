//! The `timeline` binary against an in-process sandbox, over real HTTP.

mod codegen;
mod common;
mod migrate;
mod outbox;
mod pull;
mod push;
mod relay;
mod relay_crash;
#[cfg(all(feature = "postgres", feature = "redis"))]
mod relay_replicas;
mod sandbox;
mod send;
mod send_app_events;
mod send_modes;
