//! A string that never shows itself in `Debug` output, errors or logs.

use std::fmt;

/// A secret value (access token, client secret, refresh token, developer key).
///
/// Its `Debug` output is `Secret("<redacted>")`; it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"<redacted>\")")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_hides_the_value() {
        let secret = Secret::new("pat-na1-very-secret");
        let shown = format!("{secret:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert_eq!(secret.expose(), "pat-na1-very-secret");
    }
}
