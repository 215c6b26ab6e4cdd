//! A [`Client`] from the environment's credentials.

use std::time::Duration;

use timeline_core::{Client, ClientBuilder, OAuthApi, RateLimit};

use crate::args::Connection;
use crate::error::CliError;

/// The environment variable of the access token.
pub const ACCESS_TOKEN: &str = "HUBSPOT_ACCESS_TOKEN";
/// The environment variable of the developer key.
pub const DEVELOPER_KEY: &str = "HUBSPOT_DEVELOPER_KEY";
/// The environment variables of OAuth credentials.
pub const OAUTH: [&str; 3] = ["HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET", "HUBSPOT_REFRESH_TOKEN"];
/// The environment variable naming the OAuth API: `2026-03` (the default)
/// or `v1`.
pub const OAUTH_API: &str = "HUBSPOT_OAUTH_API";

/// A client builder for `connection`, with the credentials the environment
/// gives (see [`ACCESS_TOKEN`], [`DEVELOPER_KEY`], [`OAUTH`] and [`OAUTH_API`]).
pub fn client_builder(connection: &Connection) -> Result<ClientBuilder, CliError> {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let mut builder = Client::builder().base_url(&connection.base_url);
    if let Some(token) = var(ACCESS_TOKEN) {
        builder = builder.access_token(token);
    }
    if let Some(key) = var(DEVELOPER_KEY) {
        builder = builder.developer_key(key);
    }
    match OAUTH.map(var) {
        [Some(id), Some(secret), Some(refresh)] => builder = builder.oauth(id, secret, refresh),
        [None, None, None] => {}
        _ => {
            return Err(CliError::Usage(format!("OAuth needs all of {}", OAUTH.join(", "))));
        }
    }
    if let Some(api) = var(OAUTH_API) {
        let api: OAuthApi = api.parse().map_err(|problem| CliError::Usage(format!("{OAUTH_API}: {problem}")))?;
        builder = builder.oauth_api(api);
    }
    Ok(builder)
}

/// A rate limit of `requests` per 10 seconds.
pub fn per_ten_seconds(requests: u32) -> RateLimit {
    RateLimit::new(requests, Duration::from_secs(10))
}
