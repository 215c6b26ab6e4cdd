//! The derive macros of [hubspot-timeline](https://docs.rs/hubspot-timeline):
//! `#[derive(TimelineEvent)]` and `#[derive(TimelineToken)]`.
//!
//! Use them through the `hubspot-timeline` crate, which documents their
//! attributes; the code they generate names that crate's `__private` module.

#![deny(missing_docs)]

mod bound;
mod dummy;
mod env;
mod expand;
mod internals;
mod newtype;
mod template;
mod token_enum;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// The `TimelineEvent` derive macro, from the `timeline-derive` crate.
#[proc_macro_derive(TimelineEvent, attributes(timeline))]
pub fn derive_timeline_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_timeline_event(&input).into()
}

/// The `TimelineToken` derive macro, from the `timeline-derive` crate.
#[proc_macro_derive(TimelineToken, attributes(timeline))]
pub fn derive_timeline_token(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    token_enum::derive_timeline_token(&input).into()
}
