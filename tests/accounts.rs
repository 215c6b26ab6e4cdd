//! Many accounts through one app, over HTTP to a sandbox with accounts:
//! tokens from the store (one renewal per account however many requests
//! wait, none while the stored token is valid), the token endpoint's 429
//! waited out, a revoked install failing alone, onboarding, and ids unique
//! across accounts.

mod common;

use hubspot_timeline::AccountId;
use hubspot_timeline::Client;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use common::*;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::send::{FailureReason, Outcome};
use hubspot_timeline::{App, Error};
use timeline_sandbox::Sandbox;

const CLIENT_ID: &str = "accounts-client-id";
const CLIENT_SECRET: &str = "accounts-client-secret-5d4c";

/// An app of `sandbox` over `store`, with fast retries.
fn app(sandbox: &Sandbox, store: &Arc<MemoryTokenStore>) -> App {
    App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::clone(store) as Arc<_>)
        .client(Client::builder().base_url(sandbox.url()).retry(fast_retry()))
        .build()
        .unwrap()
}

/// Stores tokens the sandbox granted `account`; `expired` dates them in the past.
fn seed(sandbox: &Sandbox, store: &MemoryTokenStore, account: u64, expired: bool) {
    let grant = sandbox.grant(account);
    let lifetime = if expired { -60 } else { grant.expires_in };
    let expires_at = Utc::now() + chrono::Duration::seconds(lifetime);
    store.insert(account, AccountTokens::new(grant.access_token, expires_at, grant.refresh_token));
}

/// A build of deal `deal` with no id of its own: its id is derived.
fn build(deal: u64) -> BuildFinished<f64> {
    BuildFinished { deal_id: deal, build_number: 7, duration_seconds: 12.5 }
}

#[tokio::test]
async fn a_hundred_requests_with_an_expired_stored_token_make_one_refresh() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed(&sandbox, &store, 101, true);
    let before = store.get(101).unwrap();
    let app = app(&sandbox, &store);

    let events = adoptions(100);
    let sends = events.iter().map(|event| {
        let client = app.account(101);
        async move { client.send(event).await }
    });
    for outcome in futures_util::future::join_all(sends).await {
        assert!(matches!(outcome, Ok(Outcome::Created(_))), "{outcome:?}");
    }

    let stats = sandbox.stats();
    assert_eq!(stats.token_request_count("refresh_token"), 1, "one refresh for every waiting request");
    assert_eq!(sandbox.events_in(101).len(), 100);
    let after = store.get(101).unwrap();
    assert_ne!(after.access_token, before.access_token, "the renewed token was saved");
    assert!(after.expires_at > Utc::now());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_cold_start_with_valid_stored_tokens_calls_no_token_endpoint() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    for account in [101, 202, 303] {
        seed(&sandbox, &store, account, false);
    }
    let app = app(&sandbox, &store);

    let pairs: Vec<(u64, PetAdopted)> = [101, 202, 303]
        .into_iter()
        .flat_map(|account| {
            adoptions(10).into_iter().map(move |mut event| {
                event.adoption_id = format!("{account}-{}", event.adoption_id);
                (account, event)
            })
        })
        .collect();
    let report = app.send_all(pairs).await.unwrap();
    assert_eq!((report.total(), report.created_count()), (30, 30), "{:?}", report.failed());

    let stats = sandbox.stats();
    assert!(stats.token_requests.is_empty(), "{:?}", stats.token_requests);
    assert_eq!(stats.access_token_lookups, 0);
    for account in [101, 202, 303] {
        assert_eq!(sandbox.events_in(account).len(), 10, "account {account}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_revoked_account_fails_alone_with_its_typed_reason() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed(&sandbox, &store, 101, false);
    seed(&sandbox, &store, 202, false);
    sandbox.revoke(101);
    let app = app(&sandbox, &store);

    let pairs: Vec<(u64, BuildFinished<f64>)> =
        (0..20).map(|n| (if n % 2 == 0 { 101 } else { 202 }, build(9_000 + n))).collect();
    let report = app.send_all(pairs).await.unwrap();

    assert_eq!((report.total(), report.created_count(), report.failed_count()), (20, 10, 10));
    for failure in report.failed() {
        assert_eq!(failure.index % 2, 0, "only the revoked account's events fail");
        assert_eq!(failure.account, Some(AccountId::new(101)));
        assert_eq!(*failure.reason, FailureReason::InstallRevoked { account: AccountId::new(101) }, "{failure:?}");
        assert!(!failure.may_have_landed);
    }
    for created in report.created() {
        assert_eq!((created.index % 2, created.account), (1, Some(AccountId::new(202))));
    }
    assert!(sandbox.events_in(101).is_empty());
    assert_eq!(sandbox.events_in(202).len(), 10);

    let error = app.account(101).send(&build(1)).await.unwrap_err();
    assert_eq!(*error.cause(), Error::InstallRevoked { account: AccountId::new(101) });
    sandbox.shutdown().await;
}

/// The app remembers a revoked install beyond the clients of the account
/// (a dispatcher makes one per batch): later clients fail at once, asking
/// the token endpoint nothing, until another process installs the account
/// again through the shared store.
#[tokio::test]
async fn a_revoked_install_is_remembered_by_the_app_until_the_account_is_installed_again() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed(&sandbox, &store, 101, false);
    sandbox.revoke(101);
    let app = app(&sandbox, &store);
    for n in 0..5 {
        let error = app.account(101).send(&build(n)).await.unwrap_err();
        assert_eq!(*error.cause(), Error::InstallRevoked { account: AccountId::new(101) });
    }
    let stats = sandbox.stats();
    assert_eq!(stats.token_request_count("refresh_token"), 1, "one refused refresh for five clients");
    assert_eq!(stats.status_count(401), 1, "one request with the revoked access token");

    // Another replica, sharing the store, onboards the account again.
    let other = self::app(&sandbox, &store);
    other.install(&sandbox.authorization_code(101), "https://example.com/oauth/callback").await.unwrap();
    let outcome = app.account(101).send(&build(9)).await.unwrap();
    assert!(matches!(outcome, Outcome::Created(_)), "{outcome:?}");
    assert_eq!(sandbox.stats().token_request_count("refresh_token"), 1, "the new install's token is used as it is");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_token_endpoint_429_is_waited_out() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed(&sandbox, &store, 101, true);
    sandbox.throttle_token_endpoint(2, Duration::from_secs(1));
    let app = app(&sandbox, &store);

    let outcome = app.account(101).send(&build(1)).await.unwrap();
    assert!(matches!(outcome, Outcome::Created(_)), "{outcome:?}");
    let stats = sandbox.stats();
    assert_eq!(stats.token_request_count("refresh_token"), 3, "two 429s, then the refresh");
    assert_eq!(stats.status_count(429), 2);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_install_saves_the_account_tokens_and_the_account_sends() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    let app = app(&sandbox, &store);

    let code = sandbox.authorization_code(303);
    let installed = app.install(&code, "https://example.com/oauth/callback").await.unwrap();
    assert_eq!(installed.account, AccountId::new(303));
    assert_eq!(installed.scopes, ["timeline"]);
    let stored = store.get(303).expect("the tokens are saved");
    assert!(stored.expires_at > Utc::now() + chrono::Duration::minutes(10));
    assert!(!stored.refresh_token.is_empty());

    let outcome = app.account(303).send(&build(1)).await.unwrap();
    assert!(matches!(outcome, Outcome::Created(created) if created.account == Some(AccountId::new(303))));
    assert_eq!(sandbox.events_in(303).len(), 1);
    let stats = sandbox.stats();
    assert_eq!(stats.token_request_count("authorization_code"), 1);
    assert_eq!(stats.token_request_count("refresh_token"), 0, "the installed access token is used as it is");
    assert_eq!(
        (stats.access_token_lookups, stats.introspection_requests),
        (0, 0),
        "the token answer names the account"
    );

    let again = app.install(&code, "https://example.com/oauth/callback").await.unwrap_err();
    assert!(matches!(&again, Error::Install(message) if message.contains("invalid_grant")), "{again:?}");
    assert!(!again.to_string().contains(&code), "{again}");
    sandbox.shutdown().await;
}

/// A relay sees token answers of calls the app did not make: the account
/// is learned by introspection of the new access token, the tokens are
/// saved, and the account sends with them.
#[tokio::test]
async fn tokens_granted_to_a_call_the_app_did_not_make_are_saved_and_the_account_sends() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    let app = app(&sandbox, &store);

    let grant = sandbox.grant(404);
    let answer = serde_json::json!({
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
        "expires_in": grant.expires_in,
        "token_type": "bearer",
    });
    let installed = app.save_granted(serde_json::from_value(answer).unwrap()).await.unwrap();
    assert_eq!(installed.account, AccountId::new(404));
    assert_eq!(store.get(404).map(|tokens| tokens.refresh_token), Some(grant.refresh_token));
    assert_eq!(sandbox.stats().introspection_requests, 1, "the answer has no hub_id: the account is asked");

    let outcome = app.account(404).send(&build(1)).await.unwrap();
    assert!(matches!(outcome, Outcome::Created(created) if created.account == Some(AccountId::new(404))));
    assert_eq!(sandbox.events_in(404).len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_reinstall_after_a_revocation_sends_again() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed(&sandbox, &store, 101, false);
    sandbox.revoke(101);
    let app = app(&sandbox, &store);
    let client = app.account(101);
    let error = client.send(&build(1)).await.unwrap_err();
    assert_eq!(*error.cause(), Error::InstallRevoked { account: AccountId::new(101) });

    app.install(&sandbox.authorization_code(101), "https://example.com/oauth/callback").await.unwrap();
    let outcome = client.send(&build(1)).await.unwrap();
    assert!(matches!(outcome, Outcome::Created(_)), "{outcome:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn two_accounts_sending_identical_content_get_two_ids() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed(&sandbox, &store, 101, false);
    seed(&sandbox, &store, 202, false);
    let app = app(&sandbox, &store);

    let spawned = app.clone();
    let report = tokio::spawn(async move { spawned.send_all([(101, build(42)), (202, build(42))]).await });
    let report = report.await.unwrap().unwrap();
    assert_eq!(report.created_count(), 2, "{:?}", report.failed());
    let (first, second) = (&report.created()[0], &report.created()[1]);
    assert_ne!(first.id, second.id);
    assert!(first.id.starts_with("tl3-") && second.id.starts_with("tl3-"), "{first:?} {second:?}");
    assert_eq!(first.id, hubspot_timeline::events::event_id_for_account(&build(42), 101).unwrap());
    assert_eq!(sandbox.events_in(101)[0].id, first.id);
    assert_eq!(sandbox.events_in(202)[0].id, second.id);

    let encoded = hubspot_timeline::events::EncodedInput::new(&build(42)).unwrap();
    let outcome = app.account(202).send(&encoded).await.unwrap();
    assert!(matches!(outcome, Outcome::Created(created) if created.id == second.id), "pre-encoded, the same id");

    let explicit = adoption(1);
    let report = app.send_all([(101, &explicit)]).await.unwrap();
    assert_eq!(report.created()[0].id, explicit.adoption_id, "an id the event brings is left alone");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn debug_output_shows_no_secret() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed(&sandbox, &store, 101, false);
    let tokens = store.get(101).unwrap();
    let app = app(&sandbox, &store);
    let client = app.account(101);
    client.send(&build(1)).await.unwrap();
    let shown = format!("{app:?} {client:?} {tokens:?} {store:?}");
    for secret in [CLIENT_SECRET, &tokens.access_token, &tokens.refresh_token] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("101"), "{shown}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_account_without_stored_tokens_fails_alone() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed(&sandbox, &store, 101, false);
    let app = app(&sandbox, &store);

    let report = app.send_all([(404, build(1)), (101, build(2)), (404, build(3))]).await.unwrap();
    assert_eq!((report.created_count(), report.failed_count()), (1, 2));
    assert_eq!(report.created()[0].index, 1);
    for failure in report.failed() {
        assert_eq!(failure.account, Some(AccountId::new(404)));
        assert!(
            matches!(&*failure.reason, FailureReason::NotSent { cause } if cause.contains("no tokens")),
            "{failure:?}"
        );
        assert!(failure.id.as_deref().is_some_and(|id| id.starts_with("tl3-")), "{failure:?}");
    }
    sandbox.shutdown().await;
}

/// An access token saved alone (a relay lent a caller's, or a static one)
/// goes out until it expires; then the account's events wait, unsent and
/// retryable, asking the token endpoint nothing and not taken for a revoked
/// install, until a newer access token is saved.
#[tokio::test]
async fn an_access_token_saved_alone_is_used_until_it_expires_then_events_wait_for_a_newer_one() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    let app = app(&sandbox, &store);
    let granted = sandbox.grant(101);
    let expires_at = Utc::now() + chrono::Duration::seconds(granted.expires_in);
    assert!(app.save_access_token(101, &granted.access_token, expires_at).await.unwrap());
    assert!(!app.save_access_token(101, "older", expires_at - chrono::Duration::minutes(1)).await.unwrap());
    assert!(matches!(app.account(101).send(&build(1)).await.unwrap(), Outcome::Created(_)));

    let expired = Utc::now() - chrono::Duration::seconds(1);
    store.insert(101, AccountTokens::new(granted.access_token.clone(), expired, ""));
    let report = app.send_all([(101_u64, build(2))]).await.unwrap();
    let failure = report.failed().first().expect("the event waits");
    assert!(
        matches!(&*failure.reason, FailureReason::NotSent { cause } if cause.contains("no refresh token")),
        "{failure:?}"
    );
    assert!(failure.reason.is_retryable() && !failure.may_have_landed);
    assert_eq!(sandbox.account_stats(101).token_request_count("refresh_token"), 0, "nothing to renew with");

    let newer = sandbox.grant(101);
    let expires_at = Utc::now() + chrono::Duration::seconds(newer.expires_in);
    assert!(app.save_access_token(101, &newer.access_token, expires_at).await.unwrap());
    assert!(matches!(app.account(101).send(&build(2)).await.unwrap(), Outcome::Created(_)), "sends again");
    sandbox.shutdown().await;
}
