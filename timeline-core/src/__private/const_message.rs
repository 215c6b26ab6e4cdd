//! [`ConstMessage`]: text assembled in a `const`, for compile-time errors
//! whose wording depends on values only const evaluation knows.

/// A message built piece by piece in a `const fn`, to be reported with
/// `panic!("{}", message.as_str())`.
///
/// It holds at most [`ConstMessage::CAPACITY`] bytes; text beyond that is
/// cut at a character boundary and ends with `…`.
pub struct ConstMessage {
    bytes: [u8; ConstMessage::CAPACITY],
    len: usize,
    full: bool,
}

impl ConstMessage {
    /// The most bytes a message holds.
    pub const CAPACITY: usize = 2048;

    const ELLIPSIS: &'static str = "…";

    /// An empty message.
    pub const fn new() -> Self {
        ConstMessage { bytes: [0; ConstMessage::CAPACITY], len: 0, full: false }
    }

    /// Appends `text`.
    pub const fn push(mut self, text: &str) -> Self {
        if self.full {
            return self;
        }
        let text = text.as_bytes();
        let room = ConstMessage::CAPACITY - self.len;
        if text.len() <= room {
            self = self.copy(text, text.len());
        } else {
            let mut cut = room - ConstMessage::ELLIPSIS.len();
            while cut > 0 && is_continuation_byte(text[cut]) {
                cut -= 1;
            }
            self = self.copy(text, cut).copy(ConstMessage::ELLIPSIS.as_bytes(), ConstMessage::ELLIPSIS.len());
            self.full = true;
        }
        self
    }

    /// Appends each item in backticks, separated by commas.
    pub const fn push_list(mut self, items: &[&str]) -> Self {
        let mut i = 0;
        while i < items.len() {
            if i > 0 {
                self = self.push(", ");
            }
            self = self.push("`").push(items[i]).push("`");
            i += 1;
        }
        self
    }

    /// The message so far.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.bytes.split_at(self.len).0) {
            Ok(text) => text,
            Err(_) => "(message cut inside a character)",
        }
    }

    /// Copies the first `count` bytes of `bytes`, which fit.
    const fn copy(mut self, bytes: &[u8], count: usize) -> Self {
        let mut i = 0;
        while i < count {
            self.bytes[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }
}

impl Default for ConstMessage {
    fn default() -> Self {
        ConstMessage::new()
    }
}

const fn is_continuation_byte(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

#[cfg(test)]
mod tests {
    use super::ConstMessage;

    #[test]
    fn pieces_and_lists_are_joined() {
        const MESSAGE: ConstMessage = ConstMessage::new().push("options: ").push_list(&["gold", "silver"]).push(".");
        assert_eq!(MESSAGE.as_str(), "options: `gold`, `silver`.");
        assert_eq!(ConstMessage::new().push_list(&[]).as_str(), "");
    }

    #[test]
    fn overlong_text_is_cut_at_a_character_boundary() {
        let long = "é".repeat(ConstMessage::CAPACITY);
        let message = ConstMessage::new().push("x").push(&long).push("never written");
        let text = message.as_str();
        assert!(text.len() <= ConstMessage::CAPACITY);
        assert!(text.starts_with("xé"));
        assert!(text.ends_with("é…"), "{}", &text[text.len() - 10..]);
        assert!(!text.contains("never"));
    }
}
