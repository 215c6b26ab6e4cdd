//! Accounts (HubSpot accounts) and the credentials that belong to them:
//! access tokens, refresh tokens and one-use authorization codes, their
//! expiry, the revocation of an install and that of one refresh token.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

use crate::reply;

/// The account every request, token and event belongs to while no account
/// is registered (HubSpot's own example hub id).
///
/// ```
/// assert_eq!(timeline_sandbox::DEFAULT_ACCOUNT, 62515);
/// ```
pub const DEFAULT_ACCOUNT: u64 = 62515;

/// Tokens issued for one account, as a successful `authorization_code`
/// exchange returns them; made by [`crate::Sandbox::grant`].
///
/// `Debug` shows `expires_in` but neither token.
///
/// ```no_run
/// # async fn run() -> Result<(), timeline_sandbox::StartError> {
/// let sandbox = timeline_sandbox::Sandbox::builder().start().await?;
/// let grant = sandbox.grant(101);
/// assert_eq!(grant.expires_in, 1800);
/// assert!(!format!("{grant:?}").contains(&grant.access_token));
/// # Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Grant {
    /// The bearer token, valid for `expires_in` seconds.
    pub access_token: String,
    /// The refresh token that renews it at a token endpoint (v1 or 2026-03).
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// Shows the lifetime only: the tokens are secrets.
impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The account a request acted for, kept in its request's and its answer's
/// extensions so that routes and counters can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Account(pub(crate) u64);

/// Whose rolling window and daily count a request counts in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Window {
    /// A token that belongs to a registered or issued account: the account's.
    Account(u64),
    /// A token accepted without registration (any token, or one of
    /// `access_tokens`): its own, as before accounts existed.
    Token(String),
    /// A developer `hapikey`: its own.
    DeveloperKey(String),
}

/// What a bearer token is to the sandbox now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// Valid for this account, counting in this window; `expires` is `None`
    /// for tokens that never expire (registered or accepted ones).
    Valid { account: u64, window: Window, expires: Option<Instant> },
    /// Issued for this account and expired this long ago.
    Expired { account: u64, ago: Duration },
    /// Belongs to this account, whose install was revoked.
    Revoked { account: u64 },
    /// Belongs to no account while accounts are registered.
    Unknown,
}

/// Why a code or refresh token gives no token (`invalid_grant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadGrant {
    /// Never issued, or (a code) used already.
    Unknown,
    /// Issued for this account, and revoked since.
    Revoked(u64, Revocation),
}

/// What revoked a refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Revocation {
    /// The app's install in the token's account was revoked.
    Install,
    /// The token itself was revoked (`POST /oauth/2026-03/token/revoke`).
    Token,
}

/// Why a token given to revocation is not revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unrevocable {
    /// It is an access token: only refresh tokens are revoked.
    AccessToken,
    /// No refresh token of any account, while accounts are registered.
    Unknown,
}

/// An access token the sandbox registered or issued.
#[derive(Debug, Clone, Copy)]
struct AccessToken {
    account: u64,
    /// `None` for a registered token, which never expires.
    expires: Option<Instant>,
    revoked: bool,
}

/// A refresh token the sandbox issued (or accepted while no account was registered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RefreshToken {
    /// The account it renews tokens for.
    pub(crate) account: u64,
    /// What revoked it, if anything did.
    pub(crate) revoked: Option<Revocation>,
}

/// The registered accounts and every credential the sandbox knows.
#[derive(Clone, Default)]
pub(crate) struct Accounts {
    registered: BTreeSet<u64>,
    /// The tokens of `access_tokens`, which belong to [`DEFAULT_ACCOUNT`].
    listed: Option<HashSet<String>>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    /// Authorization codes not used yet, with their account.
    codes: HashMap<String, u64>,
}

/// Shows how many of each there are: the credentials are secrets.
impl fmt::Debug for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accounts")
            .field("registered_accounts", &self.registered.len())
            .field("access_tokens", &self.listed.as_ref().map(|listed| format!("{} token(s)", listed.len())))
            .field("account_access_tokens", &self.access.len())
            .field("refresh_tokens", &self.refresh.len())
            .field("unused_codes", &self.codes.len())
            .finish()
    }
}

impl Accounts {
    /// Registers the account (again, harmlessly).
    pub(crate) fn register(&mut self, account: u64) {
        self.registered.insert(account);
    }

    /// Registers the account and a token of it that never expires.
    pub(crate) fn add_token(&mut self, account: u64, token: String) {
        self.register(account);
        self.access.insert(token, AccessToken { account, expires: None, revoked: false });
    }

    /// Accepts only these tokens (and registered or issued ones) for
    /// [`DEFAULT_ACCOUNT`], each counting in its own window.
    pub(crate) fn list_tokens(&mut self, tokens: HashSet<String>) {
        self.listed = Some(tokens);
    }

    /// What `token` is at `now`.
    pub(crate) fn resolve(&self, token: &str, now: Instant) -> Resolved {
        if let Some(known) = self.access.get(token) {
            let account = known.account;
            if known.revoked {
                return Resolved::Revoked { account };
            }
            if let Some(expires) = known.expires
                && now >= expires
            {
                return Resolved::Expired { account, ago: now.duration_since(expires) };
            }
            return Resolved::Valid { account, window: Window::Account(account), expires: known.expires };
        }
        let listed = self.listed.as_ref().is_some_and(|listed| listed.contains(token));
        if listed || (self.registered.is_empty() && self.listed.is_none()) {
            Resolved::Valid { account: DEFAULT_ACCOUNT, window: Window::Token(token.to_owned()), expires: None }
        } else {
            Resolved::Unknown
        }
    }

    /// A fresh one-use authorization code for the account, which it registers.
    pub(crate) fn new_code(&mut self, account: u64) -> String {
        self.register(account);
        let code = format!("sbx-code-{}", reply::random_uuid());
        self.codes.insert(code.clone(), account);
        code
    }

    /// Uses up `code` and returns its account. While no account is
    /// registered any code is good for [`DEFAULT_ACCOUNT`], as before
    /// accounts existed.
    pub(crate) fn redeem_code(&mut self, code: &str) -> Result<u64, BadGrant> {
        if self.registered.is_empty() {
            return Ok(DEFAULT_ACCOUNT);
        }
        self.codes.remove(code).ok_or(BadGrant::Unknown)
    }

    /// The account `refresh_token` renews tokens for. While no account is
    /// registered an unknown refresh token is taken for [`DEFAULT_ACCOUNT`]
    /// (and known from then on), as before accounts existed.
    pub(crate) fn renew(&mut self, refresh_token: &str) -> Result<u64, BadGrant> {
        match self.refresh.get(refresh_token) {
            Some(RefreshToken { revoked: Some(revocation), account }) => Err(BadGrant::Revoked(*account, *revocation)),
            Some(RefreshToken { account, revoked: None }) => Ok(*account),
            None if self.registered.is_empty() => {
                self.refresh.insert(refresh_token.to_owned(), RefreshToken { account: DEFAULT_ACCOUNT, revoked: None });
                Ok(DEFAULT_ACCOUNT)
            }
            None => Err(BadGrant::Unknown),
        }
    }

    /// The refresh token the sandbox issued or accepted, if `token` is one.
    pub(crate) fn refresh_token(&self, token: &str) -> Option<RefreshToken> {
        self.refresh.get(token).copied()
    }

    /// The account `token` belongs to at `now`, as a refresh token first,
    /// then as an access token (expired and revoked ones too).
    pub(crate) fn owner_of(&self, token: &str, now: Instant) -> Option<u64> {
        if let Some(known) = self.refresh.get(token) {
            return Some(known.account);
        }
        match self.resolve(token, now) {
            Resolved::Valid { account, .. } | Resolved::Expired { account, .. } | Resolved::Revoked { account } => {
                Some(account)
            }
            Resolved::Unknown => None,
        }
    }

    /// Revokes one refresh token (again, harmlessly) and returns its
    /// account; the access tokens issued with it stay valid until they
    /// expire. While no account is registered an unknown token is taken for
    /// a refresh token of [`DEFAULT_ACCOUNT`], revoked from then on.
    pub(crate) fn revoke_refresh_token(&mut self, token: &str) -> Result<u64, Unrevocable> {
        if let Some(known) = self.refresh.get_mut(token) {
            known.revoked.get_or_insert(Revocation::Token);
            return Ok(known.account);
        }
        let listed = self.listed.as_ref().is_some_and(|listed| listed.contains(token));
        if listed || self.access.contains_key(token) {
            return Err(Unrevocable::AccessToken);
        }
        if !self.registered.is_empty() {
            return Err(Unrevocable::Unknown);
        }
        let revoked = RefreshToken { account: DEFAULT_ACCOUNT, revoked: Some(Revocation::Token) };
        self.refresh.insert(token.to_owned(), revoked);
        Ok(DEFAULT_ACCOUNT)
    }

    /// The account a token request is for, when its code or refresh token
    /// is known, without using either.
    pub(crate) fn account_of(&self, code: Option<&str>, refresh_token: Option<&str>) -> Option<u64> {
        let by_code = code.and_then(|code| self.codes.get(code).copied());
        by_code.or_else(|| refresh_token.and_then(|token| self.refresh.get(token)).map(|known| known.account))
    }

    /// Issues an access token for the account, living `ttl` from `now`,
    /// with `refresh_token` or, when `None`, a new refresh token.
    pub(crate) fn issue(&mut self, account: u64, ttl: Duration, now: Instant, refresh_token: Option<String>) -> Grant {
        let access_token = format!("sbx-at-{}", reply::random_uuid());
        let refresh_token = refresh_token.unwrap_or_else(|| {
            let token = format!("sbx-rt-{}", reply::random_uuid());
            self.refresh.insert(token.clone(), RefreshToken { account, revoked: None });
            token
        });
        self.access.insert(access_token.clone(), AccessToken { account, expires: Some(now + ttl), revoked: false });
        Grant { access_token, refresh_token, expires_in: i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX) }
    }

    /// Revokes the account's install: its access tokens, refresh tokens and
    /// unused codes stop working. Codes and grants made later work again.
    pub(crate) fn revoke(&mut self, account: u64) {
        for token in self.access.values_mut().filter(|token| token.account == account) {
            token.revoked = true;
        }
        for token in self.refresh.values_mut().filter(|token| token.account == account) {
            token.revoked.get_or_insert(Revocation::Install);
        }
        self.codes.retain(|_, code_account| *code_account != account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_registration_any_token_code_and_refresh_token_belong_to_the_default_account() {
        let mut accounts = Accounts::default();
        let now = Instant::now();
        assert!(matches!(
            accounts.resolve("any", now),
            Resolved::Valid { account: DEFAULT_ACCOUNT, window: Window::Token(_), expires: None }
        ));
        assert_eq!(accounts.redeem_code("whatever"), Ok(DEFAULT_ACCOUNT));
        assert_eq!(accounts.renew("r-1"), Ok(DEFAULT_ACCOUNT));
        accounts.revoke(DEFAULT_ACCOUNT);
        assert_eq!(accounts.renew("r-1"), Err(BadGrant::Revoked(DEFAULT_ACCOUNT, Revocation::Install)));
        assert!(matches!(accounts.resolve("any", now), Resolved::Valid { .. }), "still no registration");
    }

    #[test]
    fn registration_refuses_strangers_and_codes_are_used_once() {
        let mut accounts = Accounts::default();
        accounts.add_token(101, "tok-a".to_owned());
        let now = Instant::now();
        assert_eq!(accounts.resolve("stranger", now), Resolved::Unknown);
        let code = accounts.new_code(102);
        assert_eq!(accounts.account_of(Some(&code), None), Some(102));
        assert_eq!(accounts.redeem_code(&code), Ok(102));
        assert_eq!(accounts.redeem_code(&code), Err(BadGrant::Unknown));
        assert_eq!(accounts.renew("never-issued"), Err(BadGrant::Unknown));

        let grant = accounts.issue(102, Duration::from_secs(60), now, None);
        assert_eq!(accounts.renew(&grant.refresh_token), Ok(102));
        let expected = Resolved::Valid {
            account: 102,
            window: Window::Account(102),
            expires: Some(now + Duration::from_secs(60)),
        };
        assert_eq!(accounts.resolve(&grant.access_token, now), expected);
        let later = now + Duration::from_secs(61);
        assert_eq!(
            accounts.resolve(&grant.access_token, later),
            Resolved::Expired { account: 102, ago: Duration::from_secs(1) }
        );
    }

    #[test]
    fn revoking_an_install_stops_its_credentials_only() {
        let mut accounts = Accounts::default();
        accounts.add_token(101, "tok-a".to_owned());
        accounts.add_token(102, "tok-b".to_owned());
        let now = Instant::now();
        let grant = accounts.issue(101, Duration::from_secs(60), now, None);
        let code = accounts.new_code(101);
        accounts.revoke(101);
        assert_eq!(accounts.resolve("tok-a", now), Resolved::Revoked { account: 101 });
        assert_eq!(accounts.resolve(&grant.access_token, now), Resolved::Revoked { account: 101 });
        assert_eq!(accounts.renew(&grant.refresh_token), Err(BadGrant::Revoked(101, Revocation::Install)));
        assert_eq!(accounts.redeem_code(&code), Err(BadGrant::Unknown));
        assert!(matches!(accounts.resolve("tok-b", now), Resolved::Valid { account: 102, .. }));

        let reinstalled = accounts.issue(101, Duration::from_secs(60), now, None);
        assert!(matches!(accounts.resolve(&reinstalled.access_token, now), Resolved::Valid { account: 101, .. }));
    }

    #[test]
    fn revoking_a_refresh_token_stops_it_alone_and_refuses_access_tokens() {
        let mut accounts = Accounts::default();
        accounts.add_token(101, "tok-a".to_owned());
        let now = Instant::now();
        let grant = accounts.issue(101, Duration::from_secs(60), now, None);
        let kept = accounts.issue(101, Duration::from_secs(60), now, None);
        assert_eq!(accounts.owner_of(&grant.refresh_token, now), Some(101));
        assert_eq!(accounts.owner_of("stranger", now), None);

        assert_eq!(accounts.revoke_refresh_token(&grant.refresh_token), Ok(101));
        assert_eq!(accounts.revoke_refresh_token(&grant.refresh_token), Ok(101), "again, harmlessly");
        assert_eq!(accounts.renew(&grant.refresh_token), Err(BadGrant::Revoked(101, Revocation::Token)));
        let revoked = RefreshToken { account: 101, revoked: Some(Revocation::Token) };
        assert_eq!(accounts.refresh_token(&grant.refresh_token), Some(revoked));
        assert!(matches!(accounts.resolve(&grant.access_token, now), Resolved::Valid { account: 101, .. }));
        assert_eq!(accounts.renew(&kept.refresh_token), Ok(101));

        assert_eq!(accounts.revoke_refresh_token(&grant.access_token), Err(Unrevocable::AccessToken));
        assert_eq!(accounts.revoke_refresh_token("tok-a"), Err(Unrevocable::AccessToken));
        assert_eq!(accounts.revoke_refresh_token("never-issued"), Err(Unrevocable::Unknown));
        accounts.revoke(101);
        assert_eq!(accounts.renew(&grant.refresh_token), Err(BadGrant::Revoked(101, Revocation::Token)), "first cause");

        let mut open = Accounts::default();
        assert_eq!(open.revoke_refresh_token("any"), Ok(DEFAULT_ACCOUNT));
        assert_eq!(open.renew("any"), Err(BadGrant::Revoked(DEFAULT_ACCOUNT, Revocation::Token)));
    }

    #[test]
    fn listed_tokens_belong_to_the_default_account_with_their_own_windows() {
        let mut accounts = Accounts::default();
        accounts.list_tokens(HashSet::from(["good".to_owned()]));
        let now = Instant::now();
        assert_eq!(accounts.resolve("bad", now), Resolved::Unknown);
        assert_eq!(
            accounts.resolve("good", now),
            Resolved::Valid { account: DEFAULT_ACCOUNT, window: Window::Token("good".to_owned()), expires: None }
        );
        assert_eq!(accounts.redeem_code("any"), Ok(DEFAULT_ACCOUNT), "listing tokens registers no account");
    }
}
