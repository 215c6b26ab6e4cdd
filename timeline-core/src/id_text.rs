//! [`IdText`]: the text of a record id or an event id, kept without a heap
//! allocation when it is an integer or a deterministic id.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// The longest text kept inline: an `i128`'s digits and sign, and the 36
/// characters of a deterministic id, fit.
const INLINE_CAPACITY: usize = 40;

/// An id as text: a record's object id or an event's id.
///
/// It borrows or owns its text like a `Cow<str>`, and keeps short text made
/// on the fly (an integer's digits, a deterministic `tl2-…` id) inline, so
/// that encoding an event allocates nothing for its ids. It dereferences to
/// `str`.
///
/// ```
/// use timeline_core::IdText;
/// let from_integer = IdText::from(5_120_345_u64);
/// let from_text = IdText::from("5120345");
/// assert_eq!(from_integer, from_text);
/// assert_eq!(&*from_integer, "5120345");
/// assert_eq!(from_integer.len(), 7);
/// assert_eq!(from_text.into_owned(), "5120345");
/// ```
#[derive(Clone)]
pub struct IdText<'a>(Repr<'a>);

#[derive(Clone)]
enum Repr<'a> {
    Text(Cow<'a, str>),
    Inline { len: u8, bytes: [u8; INLINE_CAPACITY] },
}

impl<'a> IdText<'a> {
    /// Keeps `text` inline when it fits, else owns a copy of it.
    pub(crate) fn inline(text: &str) -> IdText<'a> {
        let mut bytes = [0; INLINE_CAPACITY];
        match bytes.get_mut(..text.len()) {
            Some(slot) => {
                slot.copy_from_slice(text.as_bytes());
                IdText(Repr::Inline { len: text.len() as u8, bytes })
            }
            None => IdText(Repr::Text(Cow::Owned(text.to_owned()))),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Text(text) => text,
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).expect("inline ids are copied from a `str`")
            }
        }
    }

    /// The text as an owned `String`.
    pub fn into_owned(self) -> String {
        match self.0 {
            Repr::Text(text) => text.into_owned(),
            Repr::Inline { .. } => self.as_str().to_owned(),
        }
    }
}

impl Deref for IdText<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for IdText<'_> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for IdText<'_> {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for IdText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for IdText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for IdText<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for IdText<'_> {}

impl Hash for IdText<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for IdText<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for IdText<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for IdText<'_> {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl<'a> From<&'a str> for IdText<'a> {
    fn from(text: &'a str) -> Self {
        IdText(Repr::Text(Cow::Borrowed(text)))
    }
}

impl<'a> From<&'a String> for IdText<'a> {
    fn from(text: &'a String) -> Self {
        IdText(Repr::Text(Cow::Borrowed(text)))
    }
}

impl From<String> for IdText<'_> {
    fn from(text: String) -> Self {
        IdText(Repr::Text(Cow::Owned(text)))
    }
}

impl<'a> From<Cow<'a, str>> for IdText<'a> {
    fn from(text: Cow<'a, str>) -> Self {
        IdText(Repr::Text(text))
    }
}

impl From<IdText<'_>> for String {
    fn from(id: IdText<'_>) -> Self {
        id.into_owned()
    }
}

macro_rules! from_integers {
    ($($int:ty),*) => {$(
        /// The integer's decimal digits, kept inline.
        impl From<$int> for IdText<'_> {
            fn from(n: $int) -> Self {
                IdText::inline(itoa::Buffer::new().format(n))
            }
        }
    )*};
}
from_integers!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

#[cfg(test)]
mod tests {
    use super::IdText;

    #[test]
    fn the_widest_integers_stay_inline_and_longer_text_is_owned() {
        for (id, text) in [
            (IdText::from(i128::MIN), i128::MIN.to_string()),
            (IdText::from(u128::MAX), u128::MAX.to_string()),
            (IdText::inline(&"x".repeat(40)), "x".repeat(40)),
            (IdText::inline(&"y".repeat(41)), "y".repeat(41)),
        ] {
            assert_eq!(id, text);
            assert_eq!(id.clone().into_owned(), text);
        }
        assert!(matches!(IdText::from(i128::MIN).0, super::Repr::Inline { len: 40, .. }));
        assert!(matches!(IdText::inline(&"y".repeat(41)).0, super::Repr::Text(_)));
    }
}
