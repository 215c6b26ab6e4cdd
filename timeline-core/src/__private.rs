//! What `#[derive(TimelineEvent)]` and `#[derive(TimelineToken)]` expand to.
//! Not public API: it may change in any release.

pub use std::borrow::Cow;

pub use chrono::{DateTime, Utc};
pub use serde::Serialize;

pub use crate::wire::TimelineEventIFrame;
pub use crate::{
    DomainField, EmailField, EncodeError, EventIdField, ExtraDataVisitor, IframeField, ObjectIdField, Target,
    TimelineEvent, TimelineToken, TimestampField, TokenKind, TokenSpec, TokenText, TokenValue, TokenWriter, UtkField,
};

/// A token value already turned into text.
///
/// Generated `write_tokens` reads each field through
/// `<FieldTy as TokenValue>::token_text`, spanned at the field's type, the
/// same way `TOKENS` reads `<FieldTy as TokenValue>::KIND`; a field whose
/// type is not a token then gets one error, not one per use.
pub struct PreparedToken<'a>(pub TokenText<'a>);

impl TokenValue for PreparedToken<'_> {
    const KIND: TokenKind = TokenKind::String;

    fn token_text(&self) -> TokenText<'_> {
        match &self.0 {
            TokenText::Text(text) => TokenText::Text(Cow::Borrowed(text)),
            other => other.clone(),
        }
    }
}

mod const_message;
mod template_check;

pub use const_message::ConstMessage;
pub use template_check::{TemplateToken, token_mismatch};
