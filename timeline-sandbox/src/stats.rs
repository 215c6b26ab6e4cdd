//! Counters of what the sandbox received and answered, in all and per account.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// What the sandbox has seen since it started or was last reset, in all
/// ([`crate::Sandbox::stats`]) or for one account
/// ([`crate::Sandbox::account_stats`]).
///
/// Requests to the `/_sandbox` inspection routes are not counted. An
/// account's counts hold the requests made with its credentials (refused
/// ones too, such as a 401 for its revoked token or a 429 of its window)
/// and token-endpoint requests whose code or refresh token is its own;
/// faults are injected before a request's account is known, so they count
/// in the sandbox's whole counts only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Stats {
    /// Requests received.
    pub requests: u64,
    /// Answers sent, by HTTP status code.
    pub responses_by_status: BTreeMap<u16, u64>,
    /// Connections closed on purpose without an answer ([`crate::Fault::CloseAfterStore`]).
    pub connections_closed: u64,
    /// Event inputs received in well-formed create and batch-create bodies,
    /// v3 events and app-event occurrences alike.
    pub inputs_received: u64,
    /// Event inputs stored, new or replacing an event with their id
    /// ([`crate::DuplicateIds::Replace`]), app-event occurrences included.
    pub inputs_stored: u64,
    /// Re-sent event inputs identical to a stored event, answered as created
    /// and not stored again ([`crate::DuplicateIds::AcceptIdentical`]).
    pub inputs_identical: u64,
    /// Event inputs not stored: invalid, refused as "already in use", or
    /// refused with their whole batch (an app-event 400 or 409 refuses
    /// every occurrence of its request).
    pub inputs_rejected: u64,
    /// Requests refused with 429 by the rate limiter (injected 429s are faults).
    pub rate_limited: u64,
    /// Faults injected, other than [`crate::Fault::Pass`].
    pub faults_injected: u64,
    /// Access tokens issued by the OAuth endpoint ([`crate::Sandbox::grant`]
    /// issues tokens without counting here).
    pub tokens_issued: u64,
    /// Requests to the token endpoints, `POST /oauth/v1/token` and
    /// `POST /oauth/2026-03/token` (or `/oauth/v3/token`) alike, by their
    /// `grant_type` as sent (`authorization_code`, `refresh_token`; an empty
    /// name when it is missing), whatever the answer, 429s of
    /// [`crate::Sandbox::throttle_token_endpoint`] included.
    #[serde(default)]
    pub token_requests: BTreeMap<String, u64>,
    /// The part of [`token_requests`](Self::token_requests) that came to the
    /// 2026-03 token endpoint (either spelling), by `grant_type` as sent; the
    /// rest came to v1. JSON key `tokenRequests2026_03`.
    #[serde(default, rename = "tokenRequests2026_03")]
    pub token_requests_2026_03: BTreeMap<String, u64>,
    /// Requests to `GET /oauth/v1/access-tokens/{token}`, whatever the answer.
    #[serde(default)]
    pub access_token_lookups: u64,
    /// Requests to `POST /oauth/2026-03/token/introspect` (or
    /// `/oauth/v3/token/introspect`) and to v1's
    /// `GET /oauth/v1/refresh-tokens/{token}`, whatever the answer; an
    /// account's counts hold those asking about its tokens.
    #[serde(default)]
    pub introspection_requests: u64,
    /// Requests to `POST /oauth/2026-03/token/revoke` (or
    /// `/oauth/v3/token/revoke`) and to v1's
    /// `DELETE /oauth/v1/refresh-tokens/{token}`, whatever the answer; an
    /// account's counts hold those naming its tokens.
    #[serde(default)]
    pub revocation_requests: u64,
}

impl Stats {
    /// How many answers had this status.
    pub fn status_count(&self, status: u16) -> u64 {
        self.responses_by_status.get(&status).copied().unwrap_or(0)
    }

    /// How many token-endpoint requests (v1 and 2026-03) had this `grant_type`.
    pub fn token_request_count(&self, grant_type: &str) -> u64 {
        self.token_requests.get(grant_type).copied().unwrap_or(0)
    }

    /// How many requests to the 2026-03 token endpoint had this `grant_type`.
    pub fn token_request_2026_03_count(&self, grant_type: &str) -> u64 {
        self.token_requests_2026_03.get(grant_type).copied().unwrap_or(0)
    }
}

/// The counts of the whole sandbox and of each account.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    all: Stats,
    by_account: HashMap<u64, Stats>,
}

impl Counters {
    /// Applies `count` to the whole counts and, when a request's account is
    /// known, to that account's.
    pub(crate) fn add(&mut self, account: Option<u64>, count: impl Fn(&mut Stats)) {
        count(&mut self.all);
        if let Some(account) = account {
            count(self.by_account.entry(account).or_default());
        }
    }

    /// Applies `count` to one account's counts only.
    pub(crate) fn add_to_account(&mut self, account: u64, count: impl FnOnce(&mut Stats)) {
        count(self.by_account.entry(account).or_default());
    }

    /// The whole counts.
    pub(crate) fn all(&self) -> &Stats {
        &self.all
    }

    /// One account's counts (all zero for an account never seen).
    pub(crate) fn account(&self, account: u64) -> Stats {
        self.by_account.get(&account).cloned().unwrap_or_default()
    }

    /// Forgets every count.
    pub(crate) fn clear(&mut self) {
        *self = Counters::default();
    }
}
