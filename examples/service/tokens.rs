//! The accounts' access tokens: from `--tokens FILE` (a JSON object from
//! account id to access token), or `HUBSPOT_ACCESS_TOKEN` for every account.
//! A real service keeps its installs' OAuth tokens in its own table instead
//! (see the README's token store over Postgres).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use hubspot_timeline::{BoxFuture, PortalTokens, StoreError, TokenStore};

/// Access tokens that do not expire (private-app style), per account.
pub struct StaticTokens {
    by_portal: HashMap<u64, String>,
    fallback: Option<String>,
}

impl StaticTokens {
    /// The tokens of `file`, or `HUBSPOT_ACCESS_TOKEN` without one.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let Some(file) = file else {
            let token = std::env::var("HUBSPOT_ACCESS_TOKEN")
                .map_err(|_| "give --tokens FILE or set HUBSPOT_ACCESS_TOKEN".to_owned())?;
            return Ok(StaticTokens { by_portal: HashMap::new(), fallback: Some(token) });
        };
        let text = std::fs::read_to_string(file).map_err(|error| format!("{}: {error}", file.display()))?;
        let raw: HashMap<String, String> = serde_json::from_str(&text)
            .map_err(|error| format!("{}: not a JSON object of tokens: {error}", file.display()))?;
        let mut by_portal = HashMap::new();
        for (portal, token) in raw {
            let portal = portal.parse().map_err(|_| format!("{}: {portal:?} is not an account id", file.display()))?;
            by_portal.insert(portal, token);
        }
        Ok(StaticTokens { by_portal, fallback: None })
    }
}

/// Far enough away that the client never renews.
fn never() -> DateTime<Utc> {
    DateTime::<Utc>::MAX_UTC - chrono::Duration::days(365)
}

impl TokenStore for StaticTokens {
    fn load(&self, portal: u64) -> BoxFuture<'_, Result<Option<PortalTokens>, StoreError>> {
        let token = self.by_portal.get(&portal).or(self.fallback.as_ref());
        let tokens = token.map(|token| PortalTokens::new(token.clone(), never(), String::new()));
        Box::pin(async move { Ok(tokens) })
    }

    fn save<'a>(&'a self, _portal: u64, _tokens: &'a PortalTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }
}
