//! The Postgres outbox of hubspot-timeline's dispatcher: [`PgOutbox`], an
//! [`Outbox`](timeline_dispatch::Outbox) that every replica of a service
//! shares, and that a request handler enqueues to inside its own
//! transaction, so an event exists if and only if the business write it
//! belongs to committed.
//!
//! ```no_run
//! # async fn handler(pool: sqlx::PgPool, events: Vec<timeline_dispatch::NewEvent>) -> Result<(), Box<dyn std::error::Error>> {
//! use timeline_postgres::PgOutbox;
//!
//! let outbox = PgOutbox::new(pool.clone());
//! outbox.migrate().await?; // once, at start
//!
//! let mut tx = pool.begin().await?;
//! sqlx::query("UPDATE registrations SET confirmed = true WHERE id = $1").bind(7_i64).execute(&mut *tx).await?;
//! outbox.enqueue_in(&mut *tx, &events, std::time::SystemTime::now()).await?;
//! tx.commit().await?; // the events exist from here, and not if this fails
//! # Ok(())
//! # }
//! ```
//!
//! [`PgTokenStore`] keeps the accounts' OAuth tokens in a table the replicas
//! share (encrypted at rest with a [`TokenCipher`] when given one), and
//! makes each renewal single-flight across them.
//!
//! # TLS
//!
//! sqlx speaks TLS (rustls) as the pool's URL asks: `sslmode=verify-full`
//! verifies the server's certificate and name, `sslrootcert=PATH` names the
//! CA file to verify against (besides the Mozilla roots), `verify-ca` skips
//! the name, `require` encrypts without verifying. The default, `prefer`,
//! falls back to plaintext, so give `verify-full` in production:
//! `postgres://app@db.internal/app?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem`.
//! [`connect`] makes a pool from such a URL and an optional CA file, with
//! errors that never show the URL or its password.
//!
//! Re-exported by `hubspot-timeline` under its `postgres` feature.

#![warn(missing_docs)]

mod cipher;
mod codec;
mod connect;
mod enqueue;
mod error;
mod group_commit;
mod listener;
mod outbox;
mod schema;
mod sql;
mod token_store;

pub use cipher::TokenCipher;
pub use connect::{connect, connect_options};
pub use error::Error;
pub use listener::EnqueueListener;
pub use outbox::{DEFAULT_SCHEMA, PgOutbox};
pub use token_store::{DEFAULT_LOCK_TIMEOUT, DEFAULT_TOKEN_SCHEMA, PgTokenStore};
