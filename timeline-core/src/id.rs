//! Deterministic event ids derived from an event's content.
//!
//! An event without an id of its own gets `tl1-` followed by 32 hex digits:
//! the first 128 bits of a SHA-256 over its template id, target, timestamp and
//! tokens, each part length-prefixed so that no two different events frame
//! into the same bytes. Sending the same event twice, or retrying a request,
//! therefore never creates a second timeline entry.
//!
//! The trade-off: two events with the same template, target, timestamp and
//! tokens are one event to HubSpot, and the later send replaces the earlier.
//! `extraData` and `timelineIFrame` are not part of the id. Events that can
//! really happen twice with identical content (an event without a timestamp,
//! say) need an `#[timeline(id)]` field or a timestamp.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::encode::TokenWriter;
use crate::error::EncodeError;
use crate::event::TimelineEvent;
use crate::id_text::IdText;
use crate::target::Target;

/// The version prefix of deterministic ids; a new derivation gets a new prefix.
const PREFIX: &str = "tl1-";

/// The lower-case hex digits an id is written with.
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Hashes the parts of an event that its deterministic id is derived from.
pub(crate) struct IdHasher(Sha256);

impl IdHasher {
    /// Starts a hash with the parts known before the tokens.
    pub(crate) fn new(template_id: &str, target: &Target<'_>, timestamp: Option<DateTime<Utc>>) -> Self {
        let mut hasher = IdHasher(Sha256::new());
        hasher.part(template_id.as_bytes());
        hasher.optional(target.object_id.as_deref().map(str::as_bytes));
        for field in [&target.email, &target.utk, &target.domain] {
            hasher.optional(field.as_deref().map(str::as_bytes));
        }
        hasher.optional(timestamp.map(|t| t.timestamp_millis().to_be_bytes()).as_ref().map(|b| &b[..]));
        hasher
    }

    /// Adds one token.
    pub(crate) fn token(&mut self, name: &str, value: &str) {
        self.part(name.as_bytes());
        self.part(value.as_bytes());
    }

    /// The finished id, kept inline.
    pub(crate) fn finish(self) -> IdText<'static> {
        let digest = self.0.finalize();
        let mut id = [0; PREFIX.len() + 32];
        id[..PREFIX.len()].copy_from_slice(PREFIX.as_bytes());
        for (pair, byte) in id[PREFIX.len()..].chunks_exact_mut(2).zip(&digest[..16]) {
            pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
            pair[1] = HEX_DIGITS[usize::from(byte & 0xf)];
        }
        IdText::inline(std::str::from_utf8(&id).expect("the prefix and hex digits are ASCII"))
    }

    fn part(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
    }

    fn optional(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            Some(bytes) => {
                self.0.update([1]);
                self.part(bytes);
            }
            None => self.0.update([0]),
        }
    }
}

/// The id an event is sent with: its own `#[timeline(id)]` value, or else
/// a deterministic id derived from its content.
///
/// The deterministic id is `tl1-` followed by 32 hex digits: the first 128
/// bits of a SHA-256 over the template id, the target (object id, email, utk,
/// domain), the timestamp and the tokens, each part length-prefixed. Sending
/// the same event twice, or retrying a request, therefore never creates a
/// second timeline entry.
///
/// The trade-off: two events with the same template, target, timestamp and
/// tokens are one event to HubSpot, and the later send replaces the earlier.
/// `extraData` and `timelineIFrame` are not part of the id. Events that can
/// really happen twice with identical content (an event without a
/// timestamp, say) need an `#[timeline(id)]` field or a timestamp.
///
/// ```
/// # use std::borrow::Cow;
/// # use timeline_core::{EncodeError, Target, TimelineEvent, TokenSpec, TokenWriter};
/// # struct Ping(&'static str);
/// # impl TimelineEvent for Ping {
/// #     const TEMPLATE_ID: &'static str = "1";
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { object_id: Some(self.0.into()), ..Target::default() } }
/// #     fn write_tokens(&self, _: &mut TokenWriter<'_>) -> Result<(), EncodeError> { Ok(()) }
/// # }
/// let first = timeline_core::event_id(&Ping("42")).unwrap();
/// assert_eq!(first, timeline_core::event_id(&Ping("42")).unwrap());
/// assert_ne!(first, timeline_core::event_id(&Ping("43")).unwrap());
/// assert!(first.starts_with("tl1-"));
/// ```
pub fn event_id<E: TimelineEvent + ?Sized>(event: &E) -> Result<String, EncodeError> {
    let mut id = PendingId::start(event, &event.target(), event.timestamp());
    if let Some(hasher) = id.hasher() {
        event.write_tokens(&mut TokenWriter::hash_only(hasher))?;
    }
    Ok(id.finish().into_owned())
}

/// An event's id while it is being encoded: its own, or one still hashing.
pub(crate) enum PendingId<'a> {
    /// The event's `#[timeline(id)]` value.
    Explicit(IdText<'a>),
    /// The deterministic id, waiting for the tokens.
    Derived(IdHasher),
}

impl<'a> PendingId<'a> {
    /// Starts the id of `event`, whose target and timestamp the caller has read.
    pub(crate) fn start<E: TimelineEvent + ?Sized>(
        event: &'a E,
        target: &Target<'_>,
        timestamp: Option<DateTime<Utc>>,
    ) -> Self {
        match event.event_id() {
            Some(id) => PendingId::Explicit(id),
            None => PendingId::Derived(IdHasher::new(E::TEMPLATE_ID, target, timestamp)),
        }
    }

    /// The hasher the tokens must go through, if the id is derived.
    pub(crate) fn hasher(&mut self) -> Option<&mut IdHasher> {
        match self {
            PendingId::Explicit(_) => None,
            PendingId::Derived(hasher) => Some(hasher),
        }
    }

    /// The finished id.
    pub(crate) fn finish(self) -> IdText<'a> {
        match self {
            PendingId::Explicit(id) => id,
            PendingId::Derived(hasher) => hasher.finish(),
        }
    }
}
