//! Events as the outbox keeps them: [`encode_event`] makes the row of an
//! event for its account (a claimed row goes out again exactly as it was
//! encoded, as a [`PreparedInput`](timeline_core::PreparedInput)).

use timeline_core::AccountId;
use timeline_core::{EncodeError, EventInput};

use crate::outbox::{EventKey, NewEvent};

/// The outbox row of `event` for the account `account`: its body encoded for
/// that account ([`EventInput::encode_for_account`]: a derived id includes the
/// account), keyed by account, kind, template id and event id.
///
/// This is what [`Dispatcher::emit`](crate::Dispatcher::emit) enqueues; use
/// it to enqueue in your own transaction (the Postgres outbox), then call
/// [`Dispatcher::wake`](crate::Dispatcher::wake) after the commit.
///
/// A bad event (a token that does not encode, an id that is too long) is an
/// error here, before anything is stored.
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
/// let row = timeline_dispatch::encode_event(101, &Ping).unwrap();
/// assert_eq!(row.key.account.get(), 101);
/// assert_eq!(row.key.event_type, "1001298");
/// assert!(row.key.event_id.starts_with("tl3-"), "a derived id names the account");
/// ```
pub fn encode_event<E: EventInput + ?Sized>(account: impl Into<AccountId>, event: &E) -> Result<NewEvent, EncodeError> {
    let account = account.into();
    let mut body = Vec::new();
    let event_id = event.encode_for_account(account, &mut body)?;
    let key = EventKey { account, kind: event.kind(), event_type: event.event_type().to_owned(), event_id };
    Ok(NewEvent { key, body })
}
