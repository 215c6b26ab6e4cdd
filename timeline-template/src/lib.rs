//! What [hubspot-timeline](https://docs.rs/hubspot-timeline)'s derive, runtime
//! and sandbox all know about HubSpot timeline event templates, in one place:
//!
//! - [`names`]: the rules for token names (characters, reserved names, how
//!   many tokens a template may have);
//! - [`definition`]: the two definition file formats, HubSpot's get-template
//!   JSON and an app-event `*-hsmeta.json`, read into one [`Definition`] whose
//!   tokens have a [`TokenKind`] (one file with [`definition::read`], or a
//!   folder of them with [`definition::read_dir`]); a file that cannot be
//!   used is an [`Error`];
//! - [`rules`]: what a definition must hold before events are checked
//!   against it (labels, distinct names, enumeration options);
//! - [`migration`]: a v3 template moved to an app event: the rule naming a
//!   token's property, and the template id a migrated definition carries.
//!
//! It depends on serde only, so that the derive can use it without pulling in
//! the runtime.

#![deny(missing_docs)]

pub mod definition;
mod error;
pub mod migration;
pub mod names;
pub mod rules;

pub use definition::{CUSTOM_OBJECTS, Definition, Origin, Token, TokenKind, TokenOption};
pub use error::Error;
