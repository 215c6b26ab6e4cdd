//! Token values: how a Rust value becomes the text of a timeline token.
//!
//! Every token travels as a JSON string. [`TokenValue`] turns a field into a
//! [`TokenText`]: text as is, integers and finite floats as decimal text,
//! dates as epoch milliseconds, enumerations as the option's `value`, and
//! `None` as no token at all.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};

pub use timeline_template::TokenKind;

/// The text a token value turns into, before JSON escaping.
///
/// Numbers stay numbers here so the encoder can write them without an
/// allocation; [`TokenText::Absent`] means the token is left out of the event.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenText<'a> {
    /// No value: the token is omitted (`Option::None`).
    Absent,
    /// Text, written as is (JSON-escaped on the wire).
    Text(Cow<'a, str>),
    /// A signed integer, written in decimal.
    Signed(i128),
    /// An unsigned integer, written in decimal.
    Unsigned(u128),
    /// A 32-bit float, written in decimal; NaN and infinities are refused.
    Float32(f32),
    /// A 64-bit float, written in decimal; NaN and infinities are refused.
    Float64(f64),
}

/// A Rust value that can be the value of a timeline token.
///
/// Implemented for the string types, every integer type, `f32`/`f64`, `bool`,
/// chrono dates, `Option<T>` (where `None` omits the token), references and
/// smart pointers; with the `uuid`, `time` and `rust_decimal` features, for
/// `Uuid` (a string), the `time` crate's `OffsetDateTime`, `PrimitiveDateTime`
/// and `Date` (dates) and `Decimal` (a number). `#[derive(TimelineToken)]`
/// implements it for enumeration enums and for single-field newtypes, which
/// send their field. Implement it yourself to send a type of your own:
///
/// ```
/// use timeline_core::{TokenKind, TokenText, TokenValue};
///
/// struct Cents(u64);
///
/// impl TokenValue for Cents {
///     const KIND: TokenKind = TokenKind::Number;
///     fn token_text(&self) -> TokenText<'_> {
///         TokenText::Text(format!("{}.{:02}", self.0 / 100, self.0 % 100).into())
///     }
/// }
/// assert_eq!(Cents(1250).token_text(), TokenText::Text("12.50".into()));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a timeline token",
    label = "this field is a token, so its type must implement `TokenValue`",
    note = "tokens take strings, integers, floats, bool, chrono dates, `#[derive(TimelineToken)]` enums and newtypes, and `Option`s of those",
    note = "`uuid::Uuid`, `rust_decimal::Decimal` and the `time` crate's `OffsetDateTime`, `PrimitiveDateTime` and `Date` need the `uuid`, `rust_decimal` and `time` features of hubspot-timeline",
    note = "mark the field `#[timeline(skip)]` if it is not a token, or implement `TokenValue` for its type"
)]
pub trait TokenValue {
    /// The token kind a field of this type declares.
    const KIND: TokenKind;

    /// The option values a value of this type can take, when [`KIND`](Self::KIND)
    /// is [`TokenKind::Enumeration`]; empty otherwise.
    ///
    /// `#[derive(TimelineToken)]` sets it to [`TimelineToken::VALUES`], and
    /// `#[timeline(template = "…")]` checks each against the token's options.
    /// A hand-written impl that leaves it empty is not checked.
    const OPTIONS: &'static [&'static str] = &[];

    /// The value as token text.
    fn token_text(&self) -> TokenText<'_>;
}

impl TokenValue for str {
    const KIND: TokenKind = TokenKind::String;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Text(Cow::Borrowed(self))
    }
}

impl TokenValue for String {
    const KIND: TokenKind = TokenKind::String;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Text(Cow::Borrowed(self))
    }
}

impl TokenValue for bool {
    const KIND: TokenKind = TokenKind::String;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Text(Cow::Borrowed(if *self { "true" } else { "false" }))
    }
}

macro_rules! integer_tokens {
    ($variant:ident as $wide:ty: $($ty:ty),*) => {$(
        impl TokenValue for $ty {
            const KIND: TokenKind = TokenKind::Number;
            fn token_text(&self) -> TokenText<'_> {
                TokenText::$variant(*self as $wide)
            }
        }
    )*};
}
integer_tokens!(Signed as i128: i8, i16, i32, i64, i128, isize);
integer_tokens!(Unsigned as u128: u8, u16, u32, u64, u128, usize);

impl TokenValue for f32 {
    const KIND: TokenKind = TokenKind::Number;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Float32(*self)
    }
}

impl TokenValue for f64 {
    const KIND: TokenKind = TokenKind::Number;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Float64(*self)
    }
}

impl<Tz: TimeZone> TokenValue for DateTime<Tz> {
    const KIND: TokenKind = TokenKind::Date;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Signed(self.timestamp_millis().into())
    }
}

/// Midnight UTC of the date, as HubSpot wants date-only values.
impl TokenValue for NaiveDate {
    const KIND: TokenKind = TokenKind::Date;
    fn token_text(&self) -> TokenText<'_> {
        let midnight = self.and_time(chrono::NaiveTime::MIN).and_utc();
        TokenText::Signed(midnight.timestamp_millis().into())
    }
}

/// Read as UTC.
impl TokenValue for NaiveDateTime {
    const KIND: TokenKind = TokenKind::Date;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Signed(self.and_utc().timestamp_millis().into())
    }
}

/// Hyphenated lower-case text, such as `67e55044-10b1-426f-9247-bb680e5fe0c8`.
#[cfg(feature = "uuid")]
impl TokenValue for uuid::Uuid {
    const KIND: TokenKind = TokenKind::String;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Text(Cow::Owned(self.hyphenated().to_string()))
    }
}

/// Epoch milliseconds, like chrono's `DateTime`.
#[cfg(feature = "time")]
impl TokenValue for time::OffsetDateTime {
    const KIND: TokenKind = TokenKind::Date;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Signed(epoch_millis(*self))
    }
}

/// Milliseconds since the epoch, rounded down like chrono's `timestamp_millis`.
#[cfg(feature = "time")]
fn epoch_millis(instant: time::OffsetDateTime) -> i128 {
    instant.unix_timestamp_nanos().div_euclid(1_000_000)
}

/// Read as UTC, like chrono's `NaiveDateTime`.
#[cfg(feature = "time")]
impl TokenValue for time::PrimitiveDateTime {
    const KIND: TokenKind = TokenKind::Date;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Signed(epoch_millis(self.assume_utc()))
    }
}

/// Midnight UTC of the date, like chrono's `NaiveDate`.
#[cfg(feature = "time")]
impl TokenValue for time::Date {
    const KIND: TokenKind = TokenKind::Date;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Signed(epoch_millis(self.midnight().assume_utc()))
    }
}

/// The exact decimal text (`Decimal`'s `Display`), with no float round trip.
#[cfg(feature = "rust_decimal")]
impl TokenValue for rust_decimal::Decimal {
    const KIND: TokenKind = TokenKind::Number;
    fn token_text(&self) -> TokenText<'_> {
        TokenText::Text(Cow::Owned(self.to_string()))
    }
}

impl<T: TokenValue> TokenValue for Option<T> {
    const KIND: TokenKind = T::KIND;
    const OPTIONS: &'static [&'static str] = T::OPTIONS;
    fn token_text(&self) -> TokenText<'_> {
        match self {
            Some(value) => value.token_text(),
            None => TokenText::Absent,
        }
    }
}

impl<T: TokenValue + ToOwned + ?Sized> TokenValue for Cow<'_, T> {
    const KIND: TokenKind = T::KIND;
    const OPTIONS: &'static [&'static str] = T::OPTIONS;
    fn token_text(&self) -> TokenText<'_> {
        (**self).token_text()
    }
}

macro_rules! pointer_tokens {
    ($($pointer:ty),*) => {$(
        impl<T: TokenValue + ?Sized> TokenValue for $pointer {
            const KIND: TokenKind = T::KIND;
            const OPTIONS: &'static [&'static str] = T::OPTIONS;
            fn token_text(&self) -> TokenText<'_> {
                (**self).token_text()
            }
        }
    )*};
}
pointer_tokens!(&T, &mut T, Box<T>, Arc<T>, Rc<T>);

/// An enum whose variants are the options of an enumeration token.
///
/// `#[derive(TimelineToken)]` implements it, together with [`TokenValue`].
pub trait TimelineToken: TokenValue {
    /// The option values, one per variant, in declaration order.
    const VALUES: &'static [&'static str];

    /// The option value of this variant.
    fn value(&self) -> &'static str;
}

/// The name and kind of one token of an event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenSpec {
    /// The token's name in the template.
    pub name: &'static str,
    /// The token's kind.
    pub kind: TokenKind,
}
