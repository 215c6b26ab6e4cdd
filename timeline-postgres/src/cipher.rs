//! [`TokenCipher`]: the key that encrypts tokens at rest.

use std::fmt;
use timeline_core::AccountId;

use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::error::Error;

/// The length of a nonce, which starts every sealed column.
const NONCE_LEN: usize = 24;

/// The key that encrypts a [`PgTokenStore`](crate::PgTokenStore)'s tokens
/// at rest: XChaCha20-Poly1305 with a random nonce per write, and the
/// account and the column as associated data, so a sealed token read back
/// under another account or in the other column fails to open, as does
/// one sealed with another key or changed in any bit. Its `Debug` shows no
/// key.
///
/// To change keys, give the old ones to
/// [`reading_old_key`](Self::reading_old_key): tokens sealed with them still
/// open, and each account's are sealed with the new key on their next
/// write (their next renewal).
///
/// ```
/// use timeline_postgres::TokenCipher;
///
/// let cipher = TokenCipher::from_hex(&"2a".repeat(32)).unwrap();
/// assert!(!format!("{cipher:?}").contains("2a2a"));
/// assert!(TokenCipher::from_hex("not hex").is_err());
/// ```
#[derive(Clone)]
pub struct TokenCipher {
    aead: XChaCha20Poly1305,
    /// Keys that open what they sealed, and seal nothing.
    old: Vec<XChaCha20Poly1305>,
}

impl fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCipher").field("key", &"<redacted>").field("old_keys", &self.old.len()).finish()
    }
}

impl TokenCipher {
    /// The cipher of a 32-byte key (keep it out of the database: in a
    /// secret manager or the environment).
    ///
    /// ```
    /// let cipher = timeline_postgres::TokenCipher::new([7; 32]);
    /// # let _ = cipher;
    /// ```
    pub fn new(key: [u8; 32]) -> Self {
        TokenCipher { aead: XChaCha20Poly1305::new(&key.into()), old: Vec::new() }
    }

    /// The same cipher, also opening tokens sealed with `old` (a key being
    /// replaced); it still seals with its own key only.
    ///
    /// ```
    /// use timeline_postgres::TokenCipher;
    ///
    /// let new_key = TokenCipher::new([2; 32]).reading_old_key(TokenCipher::new([1; 32]));
    /// assert!(format!("{new_key:?}").contains("old_keys: 1"));
    /// ```
    #[must_use]
    pub fn reading_old_key(mut self, old: TokenCipher) -> Self {
        self.old.push(old.aead);
        self.old.extend(old.old);
        self
    }

    /// The cipher of a key written as 64 hexadecimal digits (as
    /// `openssl rand -hex 32` prints one).
    ///
    /// ```
    /// assert!(timeline_postgres::TokenCipher::from_hex(&"0f".repeat(32)).is_ok());
    /// assert!(timeline_postgres::TokenCipher::from_hex("0f0f").is_err(), "too short");
    /// ```
    pub fn from_hex(hex: &str) -> Result<Self, Error> {
        let hex = hex.trim();
        let bad = || Error::BadKey("a token key is 64 hexadecimal digits (32 bytes)".to_owned());
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(bad());
        }
        let mut key = [0; 32];
        for (byte, pair) in key.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(TokenCipher::new(key))
    }

    /// `token` sealed for `column` of `account`: a fresh nonce, then the
    /// ciphertext and its tag.
    pub(crate) fn seal(&self, account: AccountId, column: &str, token: &str) -> Result<Vec<u8>, Error> {
        let nonce = XNonce::generate();
        let aad = associated_data(account, column);
        let sealed = self
            .aead
            .encrypt(&nonce, Payload { msg: token.as_bytes(), aad: &aad })
            .map_err(|_| Error::Encrypt { account, column: column.to_owned() })?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The token [`seal`](Self::seal) sealed for `column` of `account`, or
    /// [`Error::Undecryptable`] when the key is another or the
    /// bytes were changed or moved.
    pub(crate) fn open(&self, account: AccountId, column: &str, sealed: &[u8]) -> Result<String, Error> {
        let undecryptable = || Error::Undecryptable { account, column: column.to_owned() };
        if sealed.len() < NONCE_LEN {
            return Err(undecryptable());
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| undecryptable())?;
        let aad = associated_data(account, column);
        let plain = std::iter::once(&self.aead)
            .chain(&self.old)
            .find_map(|aead| aead.decrypt(&nonce, Payload { msg: ciphertext, aad: &aad }).ok())
            .ok_or_else(undecryptable)?;
        String::from_utf8(plain).map_err(|_| undecryptable())
    }
}

/// What a sealed column is bound to: the format, the column and the account.
fn associated_data(account: AccountId, column: &str) -> Vec<u8> {
    format!("hubspot-timeline token v1\0{column}\0{account}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_with_its_key_account_and_column() {
        let cipher = TokenCipher::new([1; 32]);
        let sealed = cipher.seal(AccountId::new(101), "access_token", "at-secret").unwrap();
        assert!(!sealed.windows(9).any(|window| window == b"at-secret"));
        assert_eq!(cipher.open(AccountId::new(101), "access_token", &sealed).unwrap(), "at-secret");
        assert_ne!(
            sealed,
            cipher.seal(AccountId::new(101), "access_token", "at-secret").unwrap(),
            "a fresh nonce per write"
        );
        for (account, column, key) in
            [(202, "access_token", [1; 32]), (101, "refresh_token", [1; 32]), (101, "access_token", [2; 32])]
        {
            let opened = TokenCipher::new(key).open(AccountId::new(account), column, &sealed);
            assert!(matches!(opened, Err(Error::Undecryptable { .. })), "{account} {column}");
        }
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(cipher.open(AccountId::new(101), "access_token", &tampered).is_err());
        assert!(cipher.open(AccountId::new(101), "access_token", &sealed[..10]).is_err());
    }

    #[test]
    fn a_new_key_reads_what_its_old_key_sealed_and_seals_with_itself() {
        let old = TokenCipher::new([1; 32]);
        let sealed_before = old.seal(AccountId::new(101), "refresh_token", "rt-secret").unwrap();
        let rotated = TokenCipher::new([2; 32]).reading_old_key(old.clone());
        assert_eq!(rotated.open(AccountId::new(101), "refresh_token", &sealed_before).unwrap(), "rt-secret");
        let sealed_after = rotated.seal(AccountId::new(101), "refresh_token", "rt-secret").unwrap();
        assert!(old.open(AccountId::new(101), "refresh_token", &sealed_after).is_err(), "sealed with the new key");
        assert_eq!(
            TokenCipher::new([2; 32]).open(AccountId::new(101), "refresh_token", &sealed_after).unwrap(),
            "rt-secret"
        );
    }
}
