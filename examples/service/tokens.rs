//! The accounts' tokens: from `--tokens FILE` (a JSON object from account
//! id to an access token, or to OAuth tokens `{"accessToken", "refreshToken",
//! "expiresAt"}`, renewed in process), or `HUBSPOT_ACCESS_TOKEN` for every
//! account; kept in a Postgres token store that every replica shares with
//! `--token-store postgres://…` (the file seeds it).

use hubspot_timeline::AccountId;
use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use hubspot_timeline::accounts::{AccountTokens, BoxFuture, MemoryTokenStore, StoreError, TokenStore};
use serde::Deserialize;

/// One account's entry in `--tokens FILE`.
#[derive(Deserialize)]
#[serde(untagged)]
enum FileEntry {
    /// An access token that does not expire (private-app style).
    Static(String),
    /// OAuth tokens, renewed with the refresh token before `expiresAt`.
    #[serde(rename_all = "camelCase")]
    OAuth { access_token: String, refresh_token: String, expires_at: DateTime<Utc> },
}

/// The tokens of each account in `file`.
pub fn read_file(file: &Path) -> Result<Vec<(u64, AccountTokens)>, String> {
    let text = std::fs::read_to_string(file).map_err(|error| format!("{}: {error}", file.display()))?;
    let raw: HashMap<String, FileEntry> = serde_json::from_str(&text).map_err(|error| {
        format!("{}: not a JSON object from account id to a token or OAuth tokens: {error}", file.display())
    })?;
    let mut tokens = Vec::with_capacity(raw.len());
    for (account, entry) in raw {
        let account = account.parse().map_err(|_| format!("{}: {account:?} is not an account id", file.display()))?;
        tokens.push((
            account,
            match entry {
                FileEntry::Static(access) => AccountTokens::new(access, never(), String::new()),
                FileEntry::OAuth { access_token, refresh_token, expires_at } => {
                    AccountTokens::new(access_token, expires_at, refresh_token)
                }
            },
        ));
    }
    Ok(tokens)
}

/// The accounts' tokens in this process: those of `--tokens FILE` (OAuth
/// ones renewed here, and lost at exit), else `HUBSPOT_ACCESS_TOKEN` for
/// every account.
pub struct FileTokens {
    by_account: MemoryTokenStore,
    fallback: Option<String>,
}

impl FileTokens {
    /// The tokens of `file`, or `HUBSPOT_ACCESS_TOKEN` without one.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let by_account = MemoryTokenStore::new();
        let Some(file) = file else {
            let token = std::env::var("HUBSPOT_ACCESS_TOKEN")
                .map_err(|_| "give --tokens FILE or set HUBSPOT_ACCESS_TOKEN".to_owned())?;
            return Ok(FileTokens { by_account, fallback: Some(token) });
        };
        for (account, tokens) in read_file(file)? {
            by_account.insert(account, tokens);
        }
        Ok(FileTokens { by_account, fallback: None })
    }
}

/// Far enough away that the client never renews.
fn never() -> DateTime<Utc> {
    DateTime::<Utc>::MAX_UTC - chrono::Duration::days(365)
}

impl TokenStore for FileTokens {
    fn load(&self, account: AccountId) -> BoxFuture<'_, Result<Option<AccountTokens>, StoreError>> {
        let tokens = self
            .by_account
            .get(account)
            .or_else(|| self.fallback.as_ref().map(|token| AccountTokens::new(token.clone(), never(), String::new())));
        Box::pin(async move { Ok(tokens) })
    }

    fn save<'a>(&'a self, account: AccountId, tokens: &'a AccountTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        self.by_account.save(account, tokens)
    }

    fn save_renewed<'a>(
        &'a self,
        account: AccountId,
        previous: &'a AccountTokens,
        renewed: &'a AccountTokens,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.by_account.save_renewed(account, previous, renewed)
    }

    fn remove(&self, account: AccountId) -> BoxFuture<'_, Result<(), StoreError>> {
        self.by_account.remove(account)
    }
}

/// The Postgres token store at `url` (over TLS verified against `ca_file`,
/// when given), migrated and seeded from `file` (an account's tokens
/// already there stay), encrypting tokens with `TIMELINE_TOKEN_KEY` (64
/// hex digits) when it is set.
#[cfg(feature = "postgres")]
pub async fn postgres(
    url: &str,
    ca_file: Option<&Path>,
    file: Option<&Path>,
) -> Result<std::sync::Arc<dyn TokenStore>, Box<dyn std::error::Error>> {
    use hubspot_timeline::postgres::{PgTokenStore, TokenCipher};

    let mut store =
        PgTokenStore::new(hubspot_timeline::postgres::connect(url, ca_file, crate::POSTGRES_CONNECTIONS).await?);
    if let Ok(key) = std::env::var("TIMELINE_TOKEN_KEY") {
        store = store.encrypted(TokenCipher::from_hex(&key).map_err(|error| format!("TIMELINE_TOKEN_KEY: {error}"))?);
    }
    store.migrate().await?;
    if let Some(file) = file {
        for (account, tokens) in read_file(file)? {
            store.seed(account, &tokens).await?;
        }
    }
    Ok(std::sync::Arc::new(store))
}

#[cfg(not(feature = "postgres"))]
pub async fn postgres(
    _url: &str,
    _ca_file: Option<&Path>,
    _file: Option<&Path>,
) -> Result<std::sync::Arc<dyn TokenStore>, Box<dyn std::error::Error>> {
    Err("--token-store postgres://…: build with the postgres feature (--all-features) for a Postgres token store"
        .into())
}
