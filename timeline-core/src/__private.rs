//! What `#[derive(TimelineEvent)]` and `#[derive(TimelineToken)]` expand to.
//! Not public API: it may change in any release.

pub use std::borrow::Cow;

pub use chrono::{DateTime, Utc};
pub use serde::Serialize;

pub use crate::wire::TimelineEventIFrame;
pub use crate::{
    DomainField, EmailField, EncodeError, EventIdField, EventKind, ExtraDataVisitor, IdText, IframeField,
    ObjectIdField, ObjectTypeField, Target, TimelineEvent, TimelineToken, TimestampField, TokenKind, TokenSpec,
    TokenText, TokenValue, TokenWriter, UtkField,
};

mod const_message;
mod template_check;

pub use const_message::ConstMessage;
pub use template_check::{TemplateToken, token_mismatch};
