//! The traits that check the types of role fields (`#[timeline(email)]`,
//! `#[timeline(timestamp)]`, …) and read their values.
//!
//! The derive calls these for each role field, spanned at the field's type,
//! so a field of the wrong type fails to compile with a message naming the
//! role and the types it accepts.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::id_text::IdText;
use crate::wire::TimelineEventIFrame;

/// A field that can be `#[timeline(object_id)]`: the CRM record id.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an `object_id` field",
    label = "`#[timeline(object_id)]` needs a string or an integer here",
    note = "use a string type (`String`, `&str`, …), an integer, a `#[derive(TimelineToken)]` newtype of one, or an `Option` of one",
    note = "`uuid::Uuid` needs the `uuid` feature of hubspot-timeline"
)]
pub trait ObjectIdField {
    /// The record id as text, or `None` when this event names no record.
    fn object_id(&self) -> Option<IdText<'_>>;
}

/// A field that can be `#[timeline(email)]`: a contact's email address.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an `email` field",
    label = "`#[timeline(email)]` needs a string here",
    note = "use a string type (`String`, `&str`, …), a `#[derive(TimelineToken)]` newtype of one, or an `Option` of one"
)]
pub trait EmailField {
    /// The email address, or `None`.
    fn email(&self) -> Option<Cow<'_, str>>;
}

/// A field that can be `#[timeline(utk)]`: a contact's `hubspotutk` cookie.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `utk` field",
    label = "`#[timeline(utk)]` needs a string here",
    note = "use a string type (`String`, `&str`, …), a `#[derive(TimelineToken)]` newtype of one, or an `Option` of one"
)]
pub trait UtkField {
    /// The utk, or `None`.
    fn utk(&self) -> Option<Cow<'_, str>>;
}

/// A field that can be `#[timeline(domain)]`: the domain that goes with `utk`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `domain` field",
    label = "`#[timeline(domain)]` needs a string here",
    note = "use a string type (`String`, `&str`, …), a `#[derive(TimelineToken)]` newtype of one, or an `Option` of one"
)]
pub trait DomainField {
    /// The domain, or `None`.
    fn domain(&self) -> Option<Cow<'_, str>>;
}

/// A field that can be `#[timeline(id)]`: the event's idempotency key.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an `id` field",
    label = "`#[timeline(id)]` needs a string or an integer here",
    note = "use a string type, an integer, a `#[derive(TimelineToken)]` newtype of one, or an `Option` of one (`None` gets a deterministic id)",
    note = "`uuid::Uuid` needs the `uuid` feature of hubspot-timeline"
)]
pub trait EventIdField {
    /// The id as text, or `None` to use the deterministic content id.
    fn event_id(&self) -> Option<IdText<'_>>;
}

/// A field that can be `#[timeline(timestamp)]`: when the event happened.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `timestamp` field",
    label = "`#[timeline(timestamp)]` needs a point in time here",
    note = "use `chrono::DateTime<Tz>`, `NaiveDateTime` (read as UTC), `NaiveDate` (midnight UTC), `SystemTime`, or an `Option` of one",
    note = "the `time` crate's `OffsetDateTime`, `PrimitiveDateTime` and `Date` need the `time` feature of hubspot-timeline"
)]
pub trait TimestampField {
    /// The instant, or `None` to let HubSpot use the time it receives the event.
    fn timestamp(&self) -> Option<DateTime<Utc>>;
}

/// A field that can be `#[timeline(iframe)]`: the event's `timelineIFrame`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an `iframe` field",
    label = "`#[timeline(iframe)]` needs a `TimelineEventIFrame` here",
    note = "use `hubspot_timeline::wire::TimelineEventIFrame` or an `Option` of it"
)]
pub trait IframeField {
    /// The iframe, or `None`.
    fn iframe(&self) -> Option<&TimelineEventIFrame>;
}

/// A field that names the object type of an app event's record
/// (`objectTypeFullyQualifiedName`, for custom objects):
/// `#[timeline(object_type)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an `object_type` field",
    label = "`#[timeline(object_type)]` needs a string here",
    note = "use a string type (`String`, `&str`, …), a `#[derive(TimelineToken)]` newtype of one, or an `Option` of one"
)]
pub trait ObjectTypeField {
    /// The object type's fully-qualified name, or `None`.
    fn object_type(&self) -> Option<Cow<'_, str>>;
}

macro_rules! text_roles {
    ($text:ty; $($role:ident :: $method:ident),*) => {$(
        impl $role for str {
            fn $method(&self) -> Option<$text> {
                Some(self.into())
            }
        }
        impl $role for String {
            fn $method(&self) -> Option<$text> {
                Some(self.as_str().into())
            }
        }
        impl $role for Cow<'_, str> {
            fn $method(&self) -> Option<$text> {
                Some((&**self).into())
            }
        }
        impl<T: $role> $role for Option<T> {
            fn $method(&self) -> Option<$text> {
                self.as_ref().and_then($role::$method)
            }
        }
        impl<T: $role + ?Sized> $role for &T {
            fn $method(&self) -> Option<$text> {
                (**self).$method()
            }
        }
        impl<T: $role + ?Sized> $role for Box<T> {
            fn $method(&self) -> Option<$text> {
                (**self).$method()
            }
        }
        impl<T: $role + ?Sized> $role for Arc<T> {
            fn $method(&self) -> Option<$text> {
                (**self).$method()
            }
        }
        impl<T: $role + ?Sized> $role for Rc<T> {
            fn $method(&self) -> Option<$text> {
                (**self).$method()
            }
        }
    )*};
}
text_roles!(Cow<'_, str>; EmailField::email, UtkField::utk, DomainField::domain, ObjectTypeField::object_type);
text_roles!(IdText<'_>; ObjectIdField::object_id, EventIdField::event_id);

macro_rules! integer_roles {
    ($($role:ident :: $method:ident),*; $ints:tt) => {$(integer_roles!(@one $role $method $ints);)*};
    (@one $role:ident $method:ident [$($int:ty),*]) => {$(
        impl $role for $int {
            fn $method(&self) -> Option<IdText<'_>> {
                Some(IdText::from(*self))
            }
        }
    )*};
}
integer_roles!(
    ObjectIdField::object_id, EventIdField::event_id;
    [i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize]
);

/// Hyphenated lower-case text, kept inline.
#[cfg(feature = "uuid")]
impl ObjectIdField for uuid::Uuid {
    fn object_id(&self) -> Option<IdText<'_>> {
        Some(uuid_text(self))
    }
}

/// Hyphenated lower-case text, kept inline.
#[cfg(feature = "uuid")]
impl EventIdField for uuid::Uuid {
    fn event_id(&self) -> Option<IdText<'_>> {
        Some(uuid_text(self))
    }
}

#[cfg(feature = "uuid")]
fn uuid_text(id: &uuid::Uuid) -> IdText<'static> {
    IdText::inline(id.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()))
}

#[cfg(feature = "time")]
impl TimestampField for time::OffsetDateTime {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.unix_timestamp(), self.nanosecond())
    }
}

/// Read as UTC, like chrono's `NaiveDateTime`.
#[cfg(feature = "time")]
impl TimestampField for time::PrimitiveDateTime {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.assume_utc().timestamp()
    }
}

/// Midnight UTC, like chrono's `NaiveDate`.
#[cfg(feature = "time")]
impl TimestampField for time::Date {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.midnight().assume_utc().timestamp()
    }
}

impl<Tz: TimeZone> TimestampField for DateTime<Tz> {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        Some(self.with_timezone(&Utc))
    }
}

/// Read as UTC.
impl TimestampField for NaiveDateTime {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        Some(self.and_utc())
    }
}

/// Midnight UTC.
impl TimestampField for NaiveDate {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        Some(self.and_time(chrono::NaiveTime::MIN).and_utc())
    }
}

impl TimestampField for SystemTime {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        Some(DateTime::<Utc>::from(*self))
    }
}

impl<T: TimestampField> TimestampField for Option<T> {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        self.as_ref().and_then(TimestampField::timestamp)
    }
}

impl<T: TimestampField + ?Sized> TimestampField for &T {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        (**self).timestamp()
    }
}

impl<T: TimestampField + ?Sized> TimestampField for Box<T> {
    fn timestamp(&self) -> Option<DateTime<Utc>> {
        (**self).timestamp()
    }
}

impl IframeField for TimelineEventIFrame {
    fn iframe(&self) -> Option<&TimelineEventIFrame> {
        Some(self)
    }
}

impl<T: IframeField> IframeField for Option<T> {
    fn iframe(&self) -> Option<&TimelineEventIFrame> {
        self.as_ref().and_then(IframeField::iframe)
    }
}

impl<T: IframeField + ?Sized> IframeField for &T {
    fn iframe(&self) -> Option<&TimelineEventIFrame> {
        (**self).iframe()
    }
}

impl<T: IframeField + ?Sized> IframeField for Box<T> {
    fn iframe(&self) -> Option<&TimelineEventIFrame> {
        (**self).iframe()
    }
}
