//! HubSpot's OAuth APIs over HTTP to the sandbox: the 2026-03 API by
//! default (installs learn the account from the token answer, renewals,
//! introspection, uninstalls that revoke), v1 by one option, and daily
//! limits only for the tokens HubSpot holds to one.

mod common;

use hubspot_timeline::AccountId;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Utc;
use common::*;
use hubspot_timeline::accounts::{
    AccountTokens, BoxFuture, MemoryTokenStore, OAuthApi, StoreError, TokenStore, TokenUse,
};
use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::send::{FailureReason, Outcome};
use hubspot_timeline::{App, Client, Error, SendAll};
use timeline_sandbox::Sandbox;

const CLIENT_ID: &str = "oauth-api-client-id";
const CLIENT_SECRET: &str = "oauth-api-client-secret-7e6f";
const CALLBACK: &str = "https://example.com/oauth/callback";

/// An app of `sandbox` over `store` on the OAuth API `api`.
fn app(sandbox: &Sandbox, store: Arc<dyn TokenStore>, api: OAuthApi) -> App {
    App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(store)
        .client(Client::builder().oauth_api(api).base_url(sandbox.url()).retry(fast_retry()))
        .build()
        .unwrap()
}

/// Stores tokens the sandbox granted `account`, dated as expired a minute ago.
fn seed_expired(sandbox: &Sandbox, store: &MemoryTokenStore, account: u64) {
    let grant = sandbox.grant(account);
    store.insert(
        account,
        AccountTokens::new(grant.access_token, Utc::now() - chrono::Duration::minutes(1), grant.refresh_token),
    );
}

/// A build of deal `deal`.
fn build(deal: u64) -> BuildFinished<f64> {
    BuildFinished { deal_id: deal, build_number: 3, duration_seconds: 1.5 }
}

#[tokio::test]
async fn installs_renewals_and_introspection_use_the_2026_03_api_by_default() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed_expired(&sandbox, &store, 202);
    let app = app(&sandbox, Arc::clone(&store) as Arc<_>, OAuthApi::default());

    let installed = app.install(&sandbox.authorization_code(303), CALLBACK).await.unwrap();
    assert_eq!(
        (installed.account.get(), installed.scopes.as_slice(), installed.user_id),
        (303, &["timeline".to_owned()][..], Some(1))
    );
    let stats = sandbox.stats();
    assert_eq!(stats.token_request_2026_03_count("authorization_code"), 1);
    assert_eq!(stats.token_request_count("authorization_code"), 1, "no v1 call");
    assert_eq!((stats.access_token_lookups, stats.introspection_requests), (0, 0), "the answer names the account");

    let outcome = app.account(202).send(&build(1)).await.unwrap();
    assert!(matches!(outcome, Outcome::Created(_)), "{outcome:?}");
    let stats = sandbox.stats();
    assert_eq!(stats.token_request_2026_03_count("refresh_token"), 1, "the expired token was renewed on 2026-03");
    assert_eq!(stats.token_request_count("refresh_token"), 1, "and not on v1");

    let tokens = store.get(303).unwrap();
    let access = app.introspect(&tokens.access_token).await.unwrap().expect("HubSpot knows the access token");
    assert_eq!((access.token_use, access.active, access.account.get()), (TokenUse::Access, true, 303));
    assert_eq!(access.scopes, ["timeline"]);
    let expires_at = access.expires_at.expect("an access token expires");
    assert!(expires_at > Utc::now() && expires_at <= tokens.expires_at + chrono::Duration::seconds(1), "{expires_at}");
    let refresh = app.introspect(&tokens.refresh_token).await.unwrap().expect("HubSpot knows the refresh token");
    assert_eq!(
        (refresh.token_use, refresh.active, refresh.account.get(), refresh.expires_at),
        (TokenUse::Refresh, true, 303, None)
    );
    assert_eq!(app.introspect("a-token-nobody-issued").await.unwrap(), None);
    assert_eq!(sandbox.stats().introspection_requests, 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_uninstall_revokes_the_refresh_token_and_forgets_the_account_until_it_installs_again() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    let app = app(&sandbox, Arc::clone(&store) as Arc<_>, OAuthApi::default());
    app.install(&sandbox.authorization_code(303), CALLBACK).await.unwrap();
    let client = app.account(303);
    assert!(matches!(client.send(&build(1)).await.unwrap(), Outcome::Created(_)));
    let refresh_token = store.get(303).unwrap().refresh_token;

    app.uninstall(303).await.unwrap();
    assert!(store.get(303).is_none(), "the account's tokens are forgotten");
    assert_eq!(sandbox.stats().revocation_requests, 1);
    let revoked = app.introspect(&refresh_token).await.unwrap().unwrap();
    assert!(!revoked.active, "HubSpot refuses the refresh token now");

    let (tokens_before, requests_before) = (sandbox.stats().tokens_issued, sandbox.stats().requests);
    let error = client.send(&build(2)).await.unwrap_err();
    assert_eq!(*error.cause(), Error::NotInstalled { account: AccountId::new(303) });
    let error = app.account(303).send(&build(3)).await.unwrap_err();
    assert_eq!(*error.cause(), Error::NotInstalled { account: AccountId::new(303) });
    assert_eq!((sandbox.stats().tokens_issued, sandbox.stats().requests), (tokens_before, requests_before));
    assert_eq!(app.uninstall(303).await.unwrap_err(), Error::NotInstalled { account: AccountId::new(303) });

    app.install(&sandbox.authorization_code(303), CALLBACK).await.unwrap();
    assert!(matches!(client.send(&build(4)).await.unwrap(), Outcome::Created(_)), "installed again");
    assert_eq!(sandbox.events_in(303).len(), 2);
    sandbox.shutdown().await;
}

/// A store written before `TokenStore::remove` existed: loads and saves only.
struct LoadAndSave(MemoryTokenStore);

impl TokenStore for LoadAndSave {
    fn load(&self, account: AccountId) -> BoxFuture<'_, Result<Option<AccountTokens>, StoreError>> {
        self.0.load(account)
    }

    fn save<'a>(&'a self, account: AccountId, tokens: &'a AccountTokens) -> BoxFuture<'a, Result<(), StoreError>> {
        self.0.save(account, tokens)
    }
}

#[tokio::test]
async fn a_store_that_cannot_remove_says_so_and_the_app_still_treats_the_install_as_revoked() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(LoadAndSave(MemoryTokenStore::new()));
    let app = app(&sandbox, Arc::clone(&store) as Arc<_>, OAuthApi::default());
    app.install(&sandbox.authorization_code(303), CALLBACK).await.unwrap();

    let error = app.uninstall(303).await.unwrap_err();
    assert!(
        matches!(&error, Error::TokenStore { account, message, .. } if account.get() == 303 && message.contains("TokenStore::remove")),
        "{error:?}"
    );
    assert!(store.0.get(303).is_some(), "the store kept them");
    let tokens_before = sandbox.stats().tokens_issued;
    let error = app.account(303).send(&build(1)).await.unwrap_err();
    assert_eq!(*error.cause(), Error::InstallRevoked { account: AccountId::new(303) });
    assert_eq!(sandbox.stats().tokens_issued, tokens_before, "no token call for a revoked install");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_v1_api_stays_reachable_by_one_option() {
    let sandbox = oauth_sandbox(CLIENT_ID, CLIENT_SECRET).await;
    let store = Arc::new(MemoryTokenStore::new());
    seed_expired(&sandbox, &store, 202);
    seed_expired(&sandbox, &store, 404);
    sandbox.revoke(404);
    let app = app(&sandbox, Arc::clone(&store) as Arc<_>, OAuthApi::V1);

    let installed = app.install(&sandbox.authorization_code(303), CALLBACK).await.unwrap();
    assert_eq!(installed.account, AccountId::new(303));
    assert!(installed.hub_domain.is_some() && installed.user.is_some(), "{installed:?}");
    assert!(matches!(app.account(202).send(&build(1)).await.unwrap(), Outcome::Created(_)));
    let error = app.account(404).send(&build(2)).await.unwrap_err();
    assert_eq!(*error.cause(), Error::InstallRevoked { account: AccountId::new(404) }, "v1's invalid_grant");
    let stats = sandbox.stats();
    assert_eq!(stats.token_request_count("authorization_code"), 1);
    assert_eq!(stats.token_request_count("refresh_token"), 2);
    assert!(stats.token_requests_2026_03.is_empty(), "{:?}", stats.token_requests_2026_03);
    assert_eq!(stats.access_token_lookups, 1, "v1's install asks which account the token is for");

    let tokens = store.get(303).unwrap();
    let access = app.introspect(&tokens.access_token).await.unwrap().unwrap();
    assert_eq!((access.token_use, access.active, access.account.get()), (TokenUse::Access, true, 303));
    let refresh = app.introspect(&tokens.refresh_token).await.unwrap().unwrap();
    assert_eq!((refresh.token_use, refresh.active, refresh.account.get()), (TokenUse::Refresh, true, 303));
    assert_eq!(app.introspect("a-token-nobody-issued").await.unwrap(), None);

    app.uninstall(303).await.unwrap();
    assert!(store.get(303).is_none());
    assert_eq!(sandbox.stats().revocation_requests, 1);
    assert_eq!(app.introspect(&tokens.refresh_token).await.unwrap(), None, "v1 no longer knows it");

    let client = Client::builder()
        .oauth(CLIENT_ID, CLIENT_SECRET, store.get(202).unwrap().refresh_token)
        .oauth_api(OAuthApi::V1)
        .base_url(sandbox.url())
        .build()
        .unwrap();
    assert!(matches!(client.send(&build(5)).await.unwrap(), Outcome::Created(_)));
    assert!(sandbox.stats().token_requests_2026_03.is_empty(), "a client on v1 renews on v1");
    sandbox.shutdown().await;
}

/// A stand-in for HubSpot whose token endpoint grants `token-N`, and whose
/// batch endpoint says every day's limit is spent: its first answer is a
/// `DAILY` 429, the others carry `X-HubSpot-RateLimit-Daily-Remaining: 0`.
async fn spent_daily_limit_server(batches: Arc<AtomicUsize>) -> String {
    let app = Router::new()
        .route(
            "/oauth/2026-03/token",
            post(|| async {
                r#"{"access_token":"token-1","refresh_token":"refresh","expires_in":1800,"token_type":"bearer"}"#
            }),
        )
        .route(
            "/integrators/timeline/v3/events/batch/create",
            post(move || {
                let batches = Arc::clone(&batches);
                async move {
                    let mut headers = HeaderMap::new();
                    headers.insert("x-hubspot-ratelimit-daily", 1.into());
                    headers.insert("x-hubspot-ratelimit-daily-remaining", 0.into());
                    if batches.fetch_add(1, Ordering::SeqCst) == 0 {
                        let body = r#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":"DAILY"}"#;
                        return (StatusCode::TOO_MANY_REQUESTS, headers, body);
                    }
                    (StatusCode::CREATED, headers, "")
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// HubSpot holds OAuth tokens to no daily limit (and sends them no `-Daily`
/// headers): an OAuth client heeds neither a `DAILY` 429 nor a spent daily
/// header, and sends everything; a private app's token stops at the first.
#[tokio::test]
async fn an_oauth_token_has_no_daily_limit_and_a_private_app_token_keeps_it() {
    let batches = Arc::new(AtomicUsize::new(0));
    let url = spent_daily_limit_server(Arc::clone(&batches)).await;
    let oauth = Client::builder()
        .oauth(CLIENT_ID, CLIENT_SECRET, "refresh")
        .base_url(&url)
        .retry(fast_retry())
        .rate_limit(RateLimit::new(100_000, Duration::from_millis(20)))
        .batch_size(5)
        .max_in_flight(1)
        .build()
        .unwrap();
    let report = adoptions(15).send_all(&oauth).await.unwrap();
    assert_eq!(report.created_count(), 15, "{:?}", report.failed());
    assert_eq!(batches.load(Ordering::SeqCst), 4, "the DAILY 429 was waited out like a burst one");

    batches.store(0, Ordering::SeqCst);
    let private_app = Client::builder()
        .access_token(TOKEN)
        .base_url(&url)
        .retry(fast_retry())
        .rate_limit(RateLimit::new(100_000, Duration::from_millis(20)))
        .batch_size(5)
        .max_in_flight(1)
        .build();
    let report = adoptions(15).send_all(&private_app.unwrap()).await.unwrap();
    assert_eq!(report.failed_count(), 15);
    for failure in report.failed() {
        assert!(matches!(*failure.reason, FailureReason::RateLimited { daily: true, .. }), "{failure:?}");
    }
    assert_eq!(batches.load(Ordering::SeqCst), 1, "no request after the daily 429");
}

/// The sandbox holds only registered tokens (a private app's) to its daily
/// cap: an account's OAuth tokens send past it, and see no daily headers.
#[tokio::test]
async fn the_sandbox_daily_cap_binds_a_private_app_token_only() {
    let sandbox = Sandbox::builder()
        .templates(templates())
        .access_tokens([TOKEN])
        .oauth_client(CLIENT_ID, CLIENT_SECRET)
        .no_rate_limit()
        .daily_limit(1)
        .start()
        .await
        .unwrap();
    let private_app = client_builder(&sandbox).batch_size(5).max_in_flight(1).build().unwrap();
    let report = adoptions(15).send_all(&private_app).await.unwrap();
    assert_eq!(report.created_count(), 5, "the first answer said none of the day's requests remain");

    let store = Arc::new(MemoryTokenStore::new());
    seed_expired(&sandbox, &store, 202);
    let app = App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(Arc::clone(&store) as Arc<_>)
        .client(Client::builder().base_url(sandbox.url()).retry(fast_retry()).batch_size(5).max_in_flight(1))
        .build()
        .unwrap();
    let pairs: Vec<(u64, BuildFinished<f64>)> = (0..15).map(|n| (202, build(n))).collect();
    let report = app.send_all(pairs).await.unwrap();
    assert_eq!(report.created_count(), 15, "{:?}", report.failed());
    assert_eq!(sandbox.events_in(202).len(), 15, "three batches past a daily cap of one");
    assert_eq!(sandbox.stats().status_count(429), 0);
    sandbox.shutdown().await;
}
