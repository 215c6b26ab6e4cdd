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

/// The highest `--rate-limit`: requests per 10 seconds, far above any
/// HubSpot limit (at most a few hundred).
pub const MAX_RATE_LIMIT: u32 = 100_000;

/// A rate limit of `requests` per 10 seconds.
pub fn per_ten_seconds(requests: u32) -> RateLimit {
    RateLimit::new(requests, Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::MAX_RATE_LIMIT;
    use crate::args::{Cli, Command};

    fn send_with_rate_limit(limit: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(["timeline", "send", "--template", "t.json", "events.ndjson", "--rate-limit", limit])
    }

    #[test]
    fn the_rate_limit_is_bounded_with_a_clear_message() {
        for refused in ["4294967295", "100001", "0"] {
            let error = send_with_rate_limit(refused).unwrap_err().to_string();
            assert!(error.contains("--rate-limit") && error.contains("1..=100000"), "{error}");
        }
        let accepted = send_with_rate_limit(&MAX_RATE_LIMIT.to_string()).unwrap();
        assert!(matches!(accepted.command, Command::Send(args) if args.rate_limit == MAX_RATE_LIMIT));
    }
}
