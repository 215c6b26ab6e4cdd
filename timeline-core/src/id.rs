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
//! When the account the event is sent for is known (the account
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

use crate::AccountId;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::EncodeError;
use crate::event::{ExtraDataValue, TimelineEvent};
use crate::id_hash::IdHasher;
use crate::id_text::IdText;
use crate::kind::EventKind;
use crate::target::Target;
use crate::token_writer::TokenWriter;

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
    /// let id = |account| {
    ///     let mut id = DerivedId::new("1001298", &target, None);
    ///     id.account(account);
    ///     id.finish(None, None)
    /// };
    /// assert!(id(101).starts_with("tl3-"));
    /// assert_ne!(id(101), id(202));
    /// ```
    pub fn account(&mut self, account: impl Into<AccountId>) {
        self.0.for_account(account.into());
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
/// #     const EVENT_TYPE: &'static str = "1";
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

/// The id an event is sent with by a client of the account `account` (the
/// client `App::account` gives): its own
/// `#[timeline(id)]` value, unchanged, or else a deterministic `tl3-` id
/// derived from the account and its content (see [`DerivedId::account`]).
///
/// ```
/// # use timeline_core::{EncodeError, Target, TimelineEvent, TokenSpec, TokenWriter};
/// # struct Ping;
/// # impl TimelineEvent for Ping {
/// #     const EVENT_TYPE: &'static str = "1";
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { object_id: Some("42".into()), ..Target::default() } }
/// #     fn write_tokens(&self, _: &mut TokenWriter<'_>) -> Result<(), EncodeError> { Ok(()) }
/// # }
/// use timeline_core::event_id_for_account;
/// assert_ne!(event_id_for_account(&Ping, 101).unwrap(), event_id_for_account(&Ping, 202).unwrap());
/// assert!(event_id_for_account(&Ping, 101).unwrap().starts_with("tl3-"));
/// ```
pub fn event_id_for_account<E: TimelineEvent + ?Sized>(
    event: &E,
    account: impl Into<AccountId>,
) -> Result<String, EncodeError> {
    derive_event_id(event, Some(account.into()))
}

fn derive_event_id<E: TimelineEvent + ?Sized>(event: &E, account: Option<AccountId>) -> Result<String, EncodeError> {
    let mut id = PendingId::start(event, &event.target(), event.timestamp(), account)?;
    let Some(hasher) = id.hasher() else {
        return Ok(id.finish(None, None).into_owned());
    };
    event.write_tokens(&mut TokenWriter::hash_only(hasher))?;
    let extra_data = event.extra_data(ExtraDataValue)?.map(Value::Object);
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
    /// read, for the account `account` when known; an id the event brings is
    /// checked.
    pub(crate) fn start<E: TimelineEvent + ?Sized>(
        event: &'a E,
        target: &Target<'_>,
        timestamp: Option<DateTime<Utc>>,
        account: Option<AccountId>,
    ) -> Result<Self, EncodeError> {
        match event.event_id() {
            Some(id) => {
                check_event_id(&id)?;
                Ok(PendingId::Explicit(id))
            }
            None => Ok(PendingId::Derived(IdHasher::new(E::KIND, E::EVENT_TYPE, target, timestamp, account))),
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
