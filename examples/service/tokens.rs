//! The accounts' tokens: from `--tokens FILE` (a JSON object from account
//! id to an access token, or to OAuth tokens `{"accessToken", "refreshToken",
//! "expiresAt"}`, renewed in process), or `HUBSPOT_ACCESS_TOKEN` for every
//! account; kept in a Postgres token store that every replica shares with
//! `--token-store postgres://…` (the file seeds it).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use hubspot_timeline::accounts::{BoxFuture, MemoryTokenStore, PortalTokens, StoreError, TokenStore};
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
pub fn read_file(file: &Path) -> Result<Vec<(u64, PortalTokens)>, String> {
    let text = std::fs::read_to_string(file).map_err(|error| format!("{}: {error}", file.display()))?;
    let raw: HashMap<String, FileEntry> = serde_json::from_str(&text).map_err(|error| {
        format!("{}: not a JSON object from account id to a token or OAuth tokens: {error}", file.display())
    })?;
    let mut tokens = Vec::with_capacity(raw.len());
    for (portal, entry) in raw {
        let portal = portal.parse().map_err(|_| format!("{}: {portal:?} is not an account id", file.display()))?;
        tokens.push((
            portal,
            match entry {
                FileEntry::Static(access) => PortalTokens::new(access, never(), String::new()),
                FileEntry::OAuth { access_token, refresh_token, expires_at } => {
                    PortalTokens::new(access_token, expires_at, refresh_token)
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
    by_portal: MemoryTokenStore,
    fallback: Option<String>,
}

impl FileTokens {
    /// The tokens of `file`, or `HUBSPOT_ACCESS_TOKEN` without one.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let by_portal = MemoryTokenStore::new();
        let Some(file) = file else {
            let token = std::env::var("HUBSPOT_ACCESS_TOKEN")
                .map_err(|_| "give --tokens FILE or set HUBSPOT_ACCESS_TOKEN".to_owned())?;
            return Ok(FileTokens { by_portal, fallback: Some(token) });
        };
        for (portal, tokens) in read_file(file)? {
            by_portal.insert(portal, tokens);
        }
        Ok(FileTokens { by_portal, fallback: None })
    }
}

/// Far enough away that the client never renews.
fn never() -> DateTime<Utc> {
    DateTime::<Utc>::MAX_UTC - chrono::Duration::days(365)
}

impl TokenStore for FileTokens {
    fn load(&self, portal: u64) -> BoxFuture<'_, Result<Option<PortalTokens>, StoreError>> {
        let tokens = self
            .by_portal
            .get(portal)
            .or_else(|| self.fallback.as_ref().map(|token| PortalTokens::new(token.clone(), never(), String::new())));
        Box::pin(async move { Ok(tokens) })
    }

    fn save<'a>(&'a self, portal: u64, tokens: &'a PortalTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        self.by_portal.save(portal, tokens)
    }

    fn save_renewed<'a>(
        &'a self,
        portal: u64,
        previous: &'a PortalTokens,
        renewed: &'a PortalTokens,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.by_portal.save_renewed(portal, previous, renewed)
    }

    fn remove(&self, portal: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        self.by_portal.remove(portal)
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
        for (portal, tokens) in read_file(file)? {
            store.seed(portal, &tokens).await?;
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
