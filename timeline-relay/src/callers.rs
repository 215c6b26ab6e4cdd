//! The tokens a relay is given: the [`Callers`] a tokens file names
//! ([`TokensFile`]), and reading a request's `Authorization: Bearer` token.

use std::collections::HashMap;
use std::path::Path;

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use timeline_core::{AccountId, AccountTokens, MemoryTokenStore};

use crate::error::Error;

/// The accounts callers act for, by the access token they present.
///
/// ```
/// use timeline_relay::Callers;
/// let callers = Callers::from_tokens([("token-101", 101_u64)]);
/// assert_eq!(callers.account("token-101").map(|account| account.get()), Some(101));
/// assert!(callers.account("token-102").is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Callers {
    accounts: HashMap<String, AccountId>,
}

impl Callers {
    /// Each token names its account.
    pub fn from_tokens<T: Into<String>, A: Into<AccountId>>(tokens: impl IntoIterator<Item = (T, A)>) -> Self {
        Callers { accounts: tokens.into_iter().map(|(token, account)| (token.into(), account.into())).collect() }
    }

    /// The account whose token this is.
    pub fn account(&self, token: &str) -> Option<AccountId> {
        self.accounts.get(token).copied()
    }
}

/// The non-empty bearer token of the `Authorization` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The tokens of a `--tokens FILE`: a JSON object from account id to an
/// access token, or to OAuth tokens `{"accessToken", "refreshToken",
/// "expiresAt"}` (the example service's format). Callers present the access
/// token; the relay delivers their events with the same tokens.
///
/// ```
/// let file = std::env::temp_dir().join("timeline-relay-doc-tokens.json");
/// std::fs::write(&file, r#"{"101": "token-101"}"#).unwrap();
/// let tokens = timeline_relay::TokensFile::read(&file).unwrap();
/// assert_eq!(tokens.callers().account("token-101").map(|account| account.get()), Some(101));
/// ```
#[derive(Debug, Clone)]
pub struct TokensFile {
    accounts: Vec<(AccountId, AccountTokens)>,
}

/// One account's entry in a tokens file.
#[derive(Deserialize)]
#[serde(untagged)]
enum FileEntry {
    /// An access token that does not expire.
    Static(String),
    /// OAuth tokens, renewed with the refresh token before `expiresAt`.
    #[serde(rename_all = "camelCase")]
    OAuth { access_token: String, refresh_token: String, expires_at: DateTime<Utc> },
}

impl TokensFile {
    /// Reads and parses the file at `path`.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Tokens { path: path.to_owned(), problem: source.to_string() })?;
        Self::parse(&text).map_err(|problem| Error::Tokens { path: path.to_owned(), problem })
    }

    /// Parses a tokens file's text; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: HashMap<String, FileEntry> = serde_json::from_str(text)
            .map_err(|error| format!("not a JSON object from account id to a token or OAuth tokens: {error}"))?;
        let mut accounts = Vec::with_capacity(raw.len());
        for (account, entry) in raw {
            let account: u64 = account.parse().map_err(|_| format!("{account:?} is not an account id"))?;
            let tokens = match entry {
                FileEntry::Static(access) => AccountTokens::new(access, never(), String::new()),
                FileEntry::OAuth { access_token, refresh_token, expires_at } => {
                    AccountTokens::new(access_token, expires_at, refresh_token)
                }
            };
            accounts.push((AccountId::from(account), tokens));
        }
        Ok(TokensFile { accounts })
    }

    /// Each account by the access token its callers present.
    pub fn callers(&self) -> Callers {
        Callers::from_tokens(self.accounts.iter().map(|(account, tokens)| (tokens.access_token.clone(), *account)))
    }

    /// Every account's tokens, to seed a token store of one's own.
    ///
    /// ```
    /// let tokens = timeline_relay::TokensFile::parse(r#"{"101": "token-101"}"#).unwrap();
    /// let accounts: Vec<u64> = tokens.accounts().map(|(account, _)| account.get()).collect();
    /// assert_eq!(accounts, [101]);
    /// ```
    pub fn accounts(&self) -> impl Iterator<Item = (AccountId, &AccountTokens)> {
        self.accounts.iter().map(|(account, tokens)| (*account, tokens))
    }

    /// A token store holding every account's tokens, for the app that
    /// delivers the events.
    pub fn token_store(&self) -> MemoryTokenStore {
        let store = MemoryTokenStore::new();
        for (account, tokens) in &self.accounts {
            store.insert(*account, tokens.clone());
        }
        store
    }
}

/// Far enough away that a static token is never renewed.
fn never() -> DateTime<Utc> {
    DateTime::<Utc>::MAX_UTC - chrono::Duration::days(365)
}
