//! Event ids: the checks on ids an event brings, and the deterministic ids
//! derived from an event's content for events without one.
//!
//! One derivation serves the library and the `timeline send` command, so the
//! same content gets the same id whichever sent it. A deterministic id is
//! `tl2-` followed by 32 hex digits: the first 128 bits of a SHA-256 over
//! these parts, each length-prefixed (optional parts with a presence byte), in
//! this order:
//!
//! 1. the event template id;
//! 2. the target: object id, email, utk, domain, each as sent;
//! 3. the timestamp, as epoch milliseconds;
//! 4. the tokens, sorted by name: each name and its text as sent;
//! 5. `extraData` and 6. `timelineIFrame`, as canonical JSON (object keys
//!    sorted, no white space).
//!
//! An app event's id hashes the same parts with two more: the kind's name
//! `app_event` comes first (so that no app event's id can be a v3 event's),
//! the event type name takes the template id's place, and the target's
//! object type (`objectTypeFullyQualifiedName`) follows the domain.
//!
//! When the account (portal) the event is sent for is known (the account
//! clients of an `App` know theirs), the id includes it,
//! since HubSpot wants ids unique per template across all accounts: it is
//! `tl3-` followed by the first 128 bits, in hex, of a SHA-256 over the
//! account (8 bytes, big-endian) and the `tl2-` id above, each
//! length-prefixed. Two accounts sending identical content get two ids; ids
//! an event brings are never changed.
//!
//! Sending the same event twice, or retrying a request, therefore never
//! creates a second timeline entry. The trade-off: two events with the same
//! template, target, timestamp, tokens, extraData and iframe are one event to
//! HubSpot. Events that can really happen twice with identical content (an
//! event without a timestamp, say) need an `#[timeline(id)]` field or a
//! timestamp.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::encode::TokenWriter;
use crate::error::EncodeError;
use crate::event::TimelineEvent;
use crate::id_text::IdText;
use crate::kind::EventKind;
use crate::target::Target;

/// The version prefix of deterministic ids; a new derivation gets a new prefix.
const PREFIX: &str = "tl2-";

/// The prefix of deterministic ids that include the account.
const PORTAL_PREFIX: &str = "tl3-";

/// The lower-case hex digits an id is written with.
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The longest id, in bytes, an event may bring. HubSpot documents no
/// bound; this one keeps ids to what its id fields are known to hold, and a
/// longer one is refused before it is sent.
pub const MAX_EVENT_ID_BYTES: usize = 256;

/// Checks an id an event brings (its `#[timeline(id)]` value, or an `id`
/// given to `timeline send`): not empty, at most [`MAX_EVENT_ID_BYTES`], and
/// free of `{{uuid}}`, which HubSpot expands into a fresh uuid on every
/// request, so every retry would store a new event.
///
/// ```
/// assert!(timeline_core::check_event_id("order-1042").is_ok());
/// assert!(timeline_core::check_event_id("").is_err());
/// assert!(timeline_core::check_event_id("order-{{uuid}}").is_err());
/// ```
pub fn check_event_id(id: &str) -> Result<(), EncodeError> {
    let problem = if id.is_empty() {
        "it is empty"
    } else if id.len() > MAX_EVENT_ID_BYTES {
        "it is longer than 256 bytes"
    } else if id.contains("{{uuid}}") {
        "it contains `{{uuid}}`, which HubSpot replaces by a new uuid on every request, so every retry would store another event"
    } else {
        return Ok(());
    };
    Err(EncodeError::InvalidId { problem })
}

/// Hashes the parts of an event that its deterministic id is derived from.
pub(crate) struct IdHasher {
    head: Sha256,
    /// Token names and texts, one after the other.
    token_text: Vec<u8>,
    /// Each token's name and text, as ranges of `token_text`.
    tokens: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    /// The account the event is sent for, when known.
    portal: Option<u64>,
}

impl IdHasher {
    /// Starts a hash with the parts known before the tokens.
    pub(crate) fn new(
        kind: EventKind,
        template_id: &str,
        target: &Target<'_>,
        timestamp: Option<DateTime<Utc>>,
        portal: Option<u64>,
    ) -> Self {
        let mut head = Sha256::new();
        let app_event = kind == EventKind::AppEvent;
        if app_event {
            part(&mut head, EventKind::AppEvent.as_str().as_bytes());
        }
        part(&mut head, template_id.as_bytes());
        for field in
            [&target.object_id.as_deref(), &target.email.as_deref(), &target.utk.as_deref(), &target.domain.as_deref()]
        {
            optional(&mut head, field.map(str::as_bytes));
        }
        if app_event {
            optional(&mut head, target.object_type.as_deref().map(str::as_bytes));
        }
        optional(&mut head, timestamp.map(|t| t.timestamp_millis().to_be_bytes()).as_ref().map(|b| &b[..]));
        IdHasher { head, token_text: Vec::new(), tokens: Vec::new(), portal }
    }

    /// Adds one token.
    pub(crate) fn token(&mut self, name: &str, value: &str) {
        let name_start = self.token_text.len();
        self.token_text.extend_from_slice(name.as_bytes());
        let value_start = self.token_text.len();
        self.token_text.extend_from_slice(value.as_bytes());
        self.tokens.push((name_start..value_start, value_start..self.token_text.len()));
    }

    /// The finished id, given the event's `extraData` and `timelineIFrame`.
    pub(crate) fn finish(mut self, extra_data: Option<&Value>, iframe: Option<&Value>) -> IdText<'static> {
        let text = &self.token_text;
        self.tokens.sort_unstable_by(|(left, _), (right, _)| text[left.clone()].cmp(&text[right.clone()]));
        self.head.update((self.tokens.len() as u64).to_be_bytes());
        for (name, value) in &self.tokens {
            part(&mut self.head, &text[name.clone()]);
            part(&mut self.head, &text[value.clone()]);
        }
        let mut json = Vec::new();
        for value in [extra_data, iframe] {
            match value {
                Some(value) => {
                    json.clear();
                    write_canonical(value, &mut json);
                    optional(&mut self.head, Some(&json));
                }
                None => optional(&mut self.head, None),
            }
        }
        let id = hex_id(PREFIX, self.head);
        match self.portal {
            Some(portal) => portal_id(portal, id.as_str()),
            None => id,
        }
    }
}

/// The deterministic id of the account `portal`'s event whose derived id,
/// without the account, is `derived`.
pub(crate) fn portal_id(portal: u64, derived: &str) -> IdText<'static> {
    let mut head = Sha256::new();
    part(&mut head, &portal.to_be_bytes());
    part(&mut head, derived.as_bytes());
    hex_id(PORTAL_PREFIX, head)
}

/// `prefix` and the first 128 bits of the hash, in lower-case hex.
fn hex_id(prefix: &str, hash: Sha256) -> IdText<'static> {
    let digest = hash.finalize();
    let mut id = [0; 4 + 32];
    id[..prefix.len()].copy_from_slice(prefix.as_bytes());
    for (pair, byte) in id[prefix.len()..].chunks_exact_mut(2).zip(&digest[..16]) {
        pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
        pair[1] = HEX_DIGITS[usize::from(byte & 0xf)];
    }
    IdText::inline(std::str::from_utf8(&id).expect("the prefix and hex digits are ASCII"))
}

fn part(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

fn optional(hasher: &mut Sha256, bytes: Option<&[u8]>) {
    match bytes {
        Some(bytes) => {
            hasher.update([1]);
            part(hasher, bytes);
        }
        None => hasher.update([0]),
    }
}

/// `value` as compact JSON with the keys of every object sorted, whatever
/// order the map keeps them in.
fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(&String, &Value)> = object.iter().collect();
            entries.sort_unstable_by_key(|(key, _)| *key);
            out.push(b'{');
            for (position, (key, value)) in entries.into_iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).expect("a string always serializes");
                out.push(b':');
                write_canonical(value, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("a JSON scalar always serializes"),
    }
}

/// The content of an event, for deriving its id without a typed struct (as
/// `timeline send` does for a line of JSON): the same content gives the same
/// id as [`event_id`] gives a [`TimelineEvent`].
///
/// ```
/// use timeline_core::{DerivedId, Target};
/// let mut id = DerivedId::new("1001298", &Target { email: Some("ada@example.com".into()), ..Target::default() }, None);
/// id.token("petName", "Rex");
/// let id = id.finish(None, None);
/// assert!(id.starts_with("tl2-"));
/// ```
pub struct DerivedId(IdHasher);

impl DerivedId {
    /// Starts an id of a v3 timeline event from the template, the target
    /// and the timestamp.
    pub fn new(template_id: &str, target: &Target<'_>, timestamp: Option<DateTime<Utc>>) -> Self {
        DerivedId(IdHasher::new(EventKind::Timeline, template_id, target, timestamp, None))
    }

    /// Starts an id of an app event from its event type name, the target
    /// (with its object type) and the timestamp; add its properties with
    /// [`token`](Self::token). It is never the id of a v3 event.
    ///
    /// ```
    /// use timeline_core::{DerivedId, Target};
    /// let target = Target { object_id: Some("42".into()), ..Target::default() };
    /// let v3 = DerivedId::new("app_event", &target, None).finish(None, None);
    /// let app_event = DerivedId::app_event("app_event", &target, None).finish(None, None);
    /// assert_ne!(v3, app_event);
    /// ```
    pub fn app_event(event_type_name: &str, target: &Target<'_>, timestamp: Option<DateTime<Utc>>) -> Self {
        DerivedId(IdHasher::new(EventKind::AppEvent, event_type_name, target, timestamp, None))
    }

    /// Starts an id of an event of `kind`: [`new`](Self::new) or
    /// [`app_event`](Self::app_event).
    pub fn of_kind(kind: EventKind, event_type: &str, target: &Target<'_>, timestamp: Option<DateTime<Utc>>) -> Self {
        DerivedId(IdHasher::new(kind, event_type, target, timestamp, None))
    }

    /// Includes the account the event is sent for: the id is then a `tl3-`
    /// id, the one an `App`'s client of that account derives.
    ///
    /// ```
    /// use timeline_core::{DerivedId, Target};
    /// let target = Target { object_id: Some("42".into()), ..Target::default() };
    /// let id = |portal| {
    ///     let mut id = DerivedId::new("1001298", &target, None);
    ///     id.portal(portal);
    ///     id.finish(None, None)
    /// };
    /// assert!(id(101).starts_with("tl3-"));
    /// assert_ne!(id(101), id(202));
    /// ```
    pub fn portal(&mut self, portal: u64) {
        self.0.portal = Some(portal);
    }

    /// Adds a token's (or an app event property's) name and its text as
    /// sent (in any order).
    pub fn token(&mut self, name: &str, text: &str) {
        self.0.token(name, text);
    }

    /// The id, given the event's `extraData` and `timelineIFrame` objects.
    pub fn finish(self, extra_data: Option<&Value>, timeline_iframe: Option<&Value>) -> String {
        self.0.finish(extra_data, timeline_iframe).into_owned()
    }
}

/// The id an event is sent with: its own `#[timeline(id)]` value, or else
/// a deterministic id derived from its content.
///
/// The deterministic id is `tl2-` followed by 32 hex digits: the first 128
/// bits of a SHA-256 over the template id, the target, the timestamp (as
/// epoch milliseconds), the tokens sorted by name, `extraData` and
/// `timelineIFrame` (as canonical JSON), each length-prefixed. An id the
/// event brings is checked with [`check_event_id`].
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
/// assert!(first.starts_with("tl2-"));
/// ```
pub fn event_id<E: TimelineEvent + ?Sized>(event: &E) -> Result<String, EncodeError> {
    derive_event_id(event, None)
}

/// The id an event is sent with by a client of the account `portal` (the
/// client `App::portal` gives): its own
/// `#[timeline(id)]` value, unchanged, or else a deterministic `tl3-` id
/// derived from the account and its content (see [`DerivedId::portal`]).
///
/// ```
/// # use timeline_core::{EncodeError, Target, TimelineEvent, TokenSpec, TokenWriter};
/// # struct Ping;
/// # impl TimelineEvent for Ping {
/// #     const TEMPLATE_ID: &'static str = "1";
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { object_id: Some("42".into()), ..Target::default() } }
/// #     fn write_tokens(&self, _: &mut TokenWriter<'_>) -> Result<(), EncodeError> { Ok(()) }
/// # }
/// use timeline_core::event_id_for_portal;
/// assert_ne!(event_id_for_portal(&Ping, 101).unwrap(), event_id_for_portal(&Ping, 202).unwrap());
/// assert!(event_id_for_portal(&Ping, 101).unwrap().starts_with("tl3-"));
/// ```
pub fn event_id_for_portal<E: TimelineEvent + ?Sized>(event: &E, portal: u64) -> Result<String, EncodeError> {
    derive_event_id(event, Some(portal))
}

fn derive_event_id<E: TimelineEvent + ?Sized>(event: &E, portal: Option<u64>) -> Result<String, EncodeError> {
    let mut id = PendingId::start(event, &event.target(), event.timestamp(), portal)?;
    let Some(hasher) = id.hasher() else {
        return Ok(id.finish(None, None).into_owned());
    };
    event.write_tokens(&mut TokenWriter::hash_only(hasher))?;
    let extra_data = event.extra_data(crate::encode::ExtraDataValue)?.map(Value::Object);
    let iframe = event.timeline_iframe().map(iframe_value);
    Ok(id.finish(extra_data.as_ref(), iframe.as_ref()).into_owned())
}

/// The iframe as a JSON value, for its part of the id.
pub(crate) fn iframe_value(iframe: &crate::wire::TimelineEventIFrame) -> Value {
    serde_json::to_value(iframe).expect("a TimelineEventIFrame always serializes")
}

/// An event's id while it is being encoded: its own, or one still hashing.
pub(crate) enum PendingId<'a> {
    /// The event's `#[timeline(id)]` value.
    Explicit(IdText<'a>),
    /// The deterministic id, waiting for the tokens.
    Derived(IdHasher),
}

impl<'a> PendingId<'a> {
    /// Starts the id of `event`, whose target and timestamp the caller has
    /// read, for the account `portal` when known; an id the event brings is
    /// checked.
    pub(crate) fn start<E: TimelineEvent + ?Sized>(
        event: &'a E,
        target: &Target<'_>,
        timestamp: Option<DateTime<Utc>>,
        portal: Option<u64>,
    ) -> Result<Self, EncodeError> {
        match event.event_id() {
            Some(id) => {
                check_event_id(&id)?;
                Ok(PendingId::Explicit(id))
            }
            None => Ok(PendingId::Derived(IdHasher::new(E::KIND, E::TEMPLATE_ID, target, timestamp, portal))),
        }
    }

    /// The hasher the tokens must go through, if the id is derived.
    pub(crate) fn hasher(&mut self) -> Option<&mut IdHasher> {
        match self {
            PendingId::Explicit(_) => None,
            PendingId::Derived(hasher) => Some(hasher),
        }
    }

    /// Whether the id still needs `extraData` and the iframe.
    pub(crate) fn is_derived(&self) -> bool {
        matches!(self, PendingId::Derived(_))
    }

    /// The finished id, given the event's `extraData` and iframe (read only
    /// for a derived id).
    pub(crate) fn finish(self, extra_data: Option<&Value>, iframe: Option<&Value>) -> IdText<'a> {
        match self {
            PendingId::Explicit(id) => id,
            PendingId::Derived(hasher) => hasher.finish(extra_data, iframe),
        }
    }
}
