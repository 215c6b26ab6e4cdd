//! What `send_all` accepts: anything that can write itself as one request
//! input, so events of different types can travel in one call.

use crate::AccountId;
use crate::encode::{EncodedInput, encode_input, encode_input_for};
use crate::error::EncodeError;
use crate::event::TimelineEvent;
use crate::id_text::IdText;
use crate::kind::EventKind;

/// One event ready to be encoded into a batch: every [`TimelineEvent`]
/// (owned or borrowed), an [`EncodedInput`], or an [`AnyEvent`].
///
/// ```
/// fn encoded(input: &impl timeline_core::EventInput) -> Result<Vec<u8>, timeline_core::EncodeError> {
///     let mut out = Vec::new();
///     let id = input.encode_into(&mut out)?;
///     println!("event type {} sends id {id}", input.event_type());
///     Ok(out)
/// }
/// ```
pub trait EventInput {
    /// The event's type: the template id of a v3 timeline event, the event
    /// type name of an app event (see [`kind`](Self::kind)).
    fn event_type(&self) -> &str;

    /// Which API the input goes to; v3 timeline events unless said
    /// otherwise. A call sends the inputs of each kind to that kind's
    /// endpoint.
    fn kind(&self) -> EventKind {
        EventKind::Timeline
    }

    /// Appends the event's JSON input to `out` and returns its id; on error
    /// nothing is appended.
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError>;

    /// As [`encode_into`](Self::encode_into), for a client of the account
    /// `account`: an id derived from the content includes the account (see
    /// [`DerivedId::account`](crate::DerivedId::account)), and an id the event
    /// brings is left as it is.
    ///
    /// Typed events, [`EncodedInput`]s, [`AnyEvent`]s and [`Resent`] inputs
    /// do so. The default writes what `encode_into` writes, which is right
    /// for inputs that always bring their own id; an implementation that
    /// derives ids should include the account here.
    fn encode_for_account(&self, _account: AccountId, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        self.encode_into(out)
    }

    /// Whether an earlier call may have stored this input already (a resumed
    /// backfill, a redelivery from an outbox); `false` unless wrapped in
    /// [`Resent`]. For such an input an "already in use" answer means
    /// created, not a conflict.
    fn sent_before(&self) -> bool {
        false
    }
}

/// An input that an earlier call may have stored already: HubSpot's
/// "Event ID already in use" for it means that call stored it, so it is
/// reported as created ([`Created::confirmed_by_duplicate`](super::Created::confirmed_by_duplicate)).
///
/// ```
/// # use timeline_core::{EncodeError, Target, TimelineEvent, TokenSpec, TokenWriter};
/// # struct Ping;
/// # impl TimelineEvent for Ping {
/// #     const EVENT_TYPE: &'static str = "1001298";
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { object_id: Some("1".into()), ..Target::default() } }
/// #     fn write_tokens(&self, _: &mut TokenWriter<'_>) -> Result<(), EncodeError> { Ok(()) }
/// # }
/// use timeline_core::{EventInput, Resent};
/// assert!(Resent(Ping).sent_before());
/// assert!(!Ping.sent_before());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resent<E>(pub E);

impl<E: EventInput> EventInput for Resent<E> {
    fn event_type(&self) -> &str {
        self.0.event_type()
    }

    fn kind(&self) -> EventKind {
        self.0.kind()
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        self.0.encode_into(out)
    }

    fn encode_for_account(&self, account: AccountId, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        self.0.encode_for_account(account, out)
    }

    fn sent_before(&self) -> bool {
        true
    }
}

impl<E: TimelineEvent + ?Sized> EventInput for E {
    fn event_type(&self) -> &str {
        E::EVENT_TYPE
    }

    fn kind(&self) -> EventKind {
        E::KIND
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        encode_input(self, out).map(IdText::into_owned)
    }

    fn encode_for_account(&self, account: AccountId, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        encode_input_for(self, Some(account), out).map(IdText::into_owned)
    }
}

impl EventInput for EncodedInput {
    fn event_type(&self) -> &str {
        EncodedInput::event_type(self)
    }

    fn kind(&self) -> EventKind {
        EncodedInput::kind(self)
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        out.extend_from_slice(self.json());
        Ok(self.id().to_owned())
    }

    fn encode_for_account(&self, account: AccountId, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        Ok(self.write_for_account(account, out))
    }
}

impl EventInput for &EncodedInput {
    fn event_type(&self) -> &str {
        EncodedInput::event_type(self)
    }

    fn kind(&self) -> EventKind {
        EncodedInput::kind(self)
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        (**self).encode_into(out)
    }

    fn encode_for_account(&self, account: AccountId, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        (**self).encode_for_account(account, out)
    }

    fn sent_before(&self) -> bool {
        (**self).sent_before()
    }
}

/// An event of any type, for sending different event types in one call
/// without encoding them up front.
///
/// ```
/// # use std::borrow::Cow;
/// # use timeline_core::{EncodeError, Target, TimelineEvent, TokenSpec, TokenWriter};
/// # struct Ping;
/// # impl TimelineEvent for Ping {
/// #     const EVENT_TYPE: &'static str = "1001298";
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { object_id: Some("1".into()), ..Target::default() } }
/// #     fn write_tokens(&self, _: &mut TokenWriter<'_>) -> Result<(), EncodeError> { Ok(()) }
/// # }
/// # struct Pong;
/// # impl TimelineEvent for Pong {
/// #     const EVENT_TYPE: &'static str = "1001299";
/// #     const TOKENS: &'static [TokenSpec] = &[];
/// #     fn target(&self) -> Target<'_> { Target { object_id: Some("1".into()), ..Target::default() } }
/// #     fn write_tokens(&self, _: &mut TokenWriter<'_>) -> Result<(), EncodeError> { Ok(()) }
/// # }
/// use timeline_core::{AnyEvent, EventInput};
/// let events = vec![AnyEvent::new(Ping), AnyEvent::new(Pong)];
/// assert_eq!(events[1].event_type(), "1001299");
/// ```
pub struct AnyEvent<'a>(Box<dyn EventInput + Send + Sync + 'a>);

impl<'a> AnyEvent<'a> {
    /// Wraps `event`.
    ///
    /// ```
    /// # fn wrap(event: timeline_core::EncodedInput) {
    /// use timeline_core::{AnyEvent, EventInput};
    /// let any = AnyEvent::new(event);
    /// println!("{}", any.event_type());
    /// # }
    /// ```
    pub fn new(event: impl EventInput + Send + Sync + 'a) -> Self {
        AnyEvent(Box::new(event))
    }
}

impl std::fmt::Debug for AnyEvent<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AnyEvent").field(&self.0.event_type()).finish()
    }
}

impl EventInput for AnyEvent<'_> {
    fn event_type(&self) -> &str {
        self.0.event_type()
    }

    fn kind(&self) -> EventKind {
        self.0.kind()
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        self.0.encode_into(out)
    }

    fn encode_for_account(&self, account: AccountId, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        self.0.encode_for_account(account, out)
    }

    fn sent_before(&self) -> bool {
        self.0.sent_before()
    }
}

impl EventInput for &AnyEvent<'_> {
    fn event_type(&self) -> &str {
        self.0.event_type()
    }

    fn kind(&self) -> EventKind {
        self.0.kind()
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        self.0.encode_into(out)
    }

    fn encode_for_account(&self, account: AccountId, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        self.0.encode_for_account(account, out)
    }

    fn sent_before(&self) -> bool {
        self.0.sent_before()
    }
}
