//! The Postgres token store against the sandbox over HTTP: replicas (apps
//! with their own stores and pools on one database) refresh each account's
//! token at most once per expiry, where replicas with stores of their own
//! refresh it once each; tokens are encrypted at rest, and a wrong key, a
//! changed row or a row moved to another account is a clear error; a
//! renewal's save is a compare-and-set.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};
use timeline_core::AccountId;
use timeline_core::Client;

use chrono::Utc;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore, TokenStore};
use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::send::{Outcome, RetryPolicy};
use hubspot_timeline::{App, Error};
use timeline_postgres::{PgTokenStore, TokenCipher};
use timeline_sandbox::Sandbox;

use common::{Signup, signup_template};
use timeline_testkit::TestDb;

const CLIENT_ID: &str = "tokens-client-id";
const CLIENT_SECRET: &str = "tokens-client-secret";
const REPLICAS: usize = 3;
const ACCOUNTS: u64 = 20;
/// The sandbox's access-token lifetime: an app renews a token a tenth of it
/// before it expires, so each renewed token is used for nine tenths of it.
const TOKEN_TTL: Duration = Duration::from_secs(3);
const KEY: [u8; 32] = [0x5a; 32];

/// A sandbox with the signup template, the app's OAuth client, short-lived
/// access tokens and no rate limit.
async fn sandbox() -> Sandbox {
    let template = signup_template();
    Sandbox::builder()
        .template(template)
        .oauth_client(CLIENT_ID, CLIENT_SECRET)
        .access_token_ttl(TOKEN_TTL)
        .no_rate_limit()
        .start()
        .await
        .expect("the sandbox starts")
}

/// A replica: an app of `sandbox` over `store`, with fast retries and no
/// pacing to speak of.
fn replica(sandbox: &Sandbox, store: Arc<dyn TokenStore>) -> App {
    App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(store)
        .client(
            Client::builder()
                .base_url(sandbox.url())
                .retry(RetryPolicy::default().with_max_attempts(3).with_initial_backoff(Duration::from_millis(5)))
                .rate_limit(RateLimit::new(100_000, Duration::from_millis(20))),
        )
        .build()
        .expect("a valid app")
}

/// An encrypted store on its own pool, migrated.
async fn pg_store(db: &TestDb) -> PgTokenStore {
    let store = PgTokenStore::new(db.pool().await).encrypted(TokenCipher::new(KEY));
    store.migrate().await.expect("migrate");
    store
}

/// Tokens the sandbox granted `account`, already expired, so the first
/// request renews them.
fn expired_grant(sandbox: &Sandbox, account: u64) -> AccountTokens {
    let grant = sandbox.grant(account);
    AccountTokens::new(grant.access_token, Utc::now() - chrono::Duration::seconds(1), grant.refresh_token)
}

fn accounts() -> impl Iterator<Item = u64> {
    1..=ACCOUNTS
}

/// Sends one signup per account through every replica at once, in rounds a
/// quarter of a second apart, until `run_for` has passed (one round at
/// least); every signup must be created. Returns how long it took since
/// `started`.
async fn send_rounds(replicas: &[App], run_for: Duration, started: Instant) -> Duration {
    let mut round = 0;
    loop {
        let sends = replicas.iter().enumerate().flat_map(|(replica, app)| {
            accounts().map(move |account| {
                let signup = Signup {
                    contact_id: account,
                    signup_id: format!("{account}-{replica}-{round}"),
                    plan: "starter".to_owned(),
                };
                let client = app.account(account);
                async move { (account, client.send(&signup).await) }
            })
        });
        for (account, outcome) in futures_util::future::join_all(sends).await {
            assert!(matches!(outcome, Ok(Outcome::Created(_))), "account {account}: {outcome:?}");
        }
        round += 1;
        if started.elapsed() >= run_for {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The most refreshes of one account that "at most once per expiry" allows
/// in `elapsed` since its expired tokens were seeded: the first at once,
/// then one per renewed token, which is used for nine tenths of its life.
fn refreshes_allowed(elapsed: Duration) -> u64 {
    1 + (elapsed.as_secs_f64() / (TOKEN_TTL.as_secs_f64() * 0.9)).floor() as u64
}

fn refreshes(sandbox: &Sandbox, account: u64) -> u64 {
    sandbox.account_stats(account).token_request_count("refresh_token")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_sharing_a_postgres_store_refresh_each_account_at_most_once_per_expiry() {
    let Some(db) = TestDb::new("token_store::replicas_once_per_expiry").await else { return };
    let sandbox = sandbox().await;
    let seeder = pg_store(&db).await;
    for account in accounts() {
        assert!(seeder.seed(account, &expired_grant(&sandbox, account)).await.unwrap());
    }
    let started = Instant::now();
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        replicas.push(replica(&sandbox, Arc::new(pg_store(&db).await)));
    }

    // Past two expiries of the renewed tokens.
    let elapsed = send_rounds(&replicas, TOKEN_TTL * 2 + Duration::from_millis(1_500), started).await;

    let allowed = refreshes_allowed(elapsed);
    for account in accounts() {
        let count = refreshes(&sandbox, account);
        assert!(count >= 3, "account {account}: {count} refreshes; the run crossed two expiries after the first");
        assert!(
            count <= allowed,
            "account {account}: {count} refreshes in {elapsed:?}, at most {allowed} allowed; {:?}",
            sandbox.account_stats(account)
        );
    }
    let stats = sandbox.stats();
    assert_eq!(stats.inputs_stored, stats.inputs_received, "every signup stored");
    sandbox.shutdown().await;
}

/// The opposite check: replicas whose stores are their own, seeded with the
/// same tokens, each refresh every account, which the bound above sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_with_stores_of_their_own_refresh_each_account_once_each() {
    let sandbox = sandbox().await;
    let seeds: Vec<(u64, AccountTokens)> =
        accounts().map(|account| (account, expired_grant(&sandbox, account))).collect();
    let started = Instant::now();
    let replicas: Vec<App> = (0..REPLICAS)
        .map(|_| {
            let store = MemoryTokenStore::new();
            for (account, tokens) in &seeds {
                store.insert(*account, tokens.clone());
            }
            replica(&sandbox, Arc::new(store))
        })
        .collect();

    let elapsed = send_rounds(&replicas, Duration::ZERO, started).await;

    let allowed = refreshes_allowed(elapsed);
    for account in accounts() {
        let count = refreshes(&sandbox, account);
        assert_eq!(count, REPLICAS as u64, "account {account}: one refresh per replica");
        assert!(count > allowed, "account {account}: {count} refreshes in {elapsed:?} pass for once per expiry");
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_renewals_of_one_account_make_one_refresh() {
    let Some(db) = TestDb::new("token_store::two_concurrent_renewals").await else { return };
    let sandbox = sandbox().await;
    let seeder = pg_store(&db).await;
    let seeded = expired_grant(&sandbox, 7);
    seeder.seed(7, &seeded).await.unwrap();
    let first = replica(&sandbox, Arc::new(pg_store(&db).await));
    let second = replica(&sandbox, Arc::new(pg_store(&db).await));

    let signup = |n: u32| Signup { contact_id: 7, signup_id: format!("7-{n}"), plan: "pro".to_owned() };
    let (one, two) = (signup(1), signup(2));
    let (first, second) = (first.account(7), second.account(7));
    let (a, b) = tokio::join!(first.send(&one), second.send(&two));
    assert!(matches!(a, Ok(Outcome::Created(_))), "{a:?}");
    assert!(matches!(b, Ok(Outcome::Created(_))), "{b:?}");
    assert_eq!(refreshes(&sandbox, 7), 1, "the second renewal found the first one's tokens");

    let (renewed, version) = seeder.get(7).await.unwrap().unwrap();
    assert_ne!(renewed.access_token, seeded.access_token);
    assert_eq!(version, 2, "seeded, then renewed once");
    // A renewal of the seeded tokens now finds them gone: the newer tokens stay.
    // (A whole second: the store keeps times to the microsecond.)
    let in_half_an_hour = chrono::DateTime::from_timestamp(Utc::now().timestamp() + 1_800, 0).unwrap();
    let late = AccountTokens::new("at-late", in_half_an_hour, "rt-late");
    assert!(!seeder.save_renewed(AccountId::new(7), &seeded, &late).await.unwrap(), "another writer won");
    assert_eq!(seeder.get(7).await.unwrap().unwrap().0, renewed);
    assert!(seeder.save_renewed(AccountId::new(7), &renewed, &late).await.unwrap());
    assert_eq!(seeder.get(7).await.unwrap().unwrap(), (late, 3));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tokens_are_encrypted_at_rest_and_a_wrong_key_or_a_changed_row_is_a_clear_error() {
    let Some(db) = TestDb::new("token_store::encryption").await else { return };
    let store = pg_store(&db).await;
    let expires = Utc::now() + chrono::Duration::minutes(30);
    let tokens =
        |account: u64| AccountTokens::new(format!("at-secret-{account}"), expires, format!("rt-secret-{account}"));
    for account in [101, 102] {
        assert!(store.seed(account, &tokens(account)).await.unwrap());
    }
    assert!(!store.seed(101, &tokens(999)).await.unwrap(), "a seed keeps the tokens there");
    assert_eq!(store.load(AccountId::new(101)).await.unwrap().unwrap().access_token, "at-secret-101");
    assert!(!format!("{store:?}").contains("secret"), "{store:?}");

    let pool = store.pool().clone();
    let rows: Vec<(Vec<u8>, Vec<u8>, bool)> =
        sqlx::query_as("SELECT access_token, refresh_token, encrypted FROM timeline_tokens.tokens")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    for (access, refresh, encrypted) in &rows {
        assert!(encrypted);
        for column in [access, refresh] {
            assert!(!column.windows(b"secret".len()).any(|window| window == b"secret"), "plaintext at rest");
        }
    }

    let undecryptable = |error: &hubspot_timeline::accounts::StoreError| {
        matches!(error.downcast_ref::<timeline_postgres::Error>(), Some(timeline_postgres::Error::Undecryptable { .. }))
    };
    let wrong_key = PgTokenStore::new(pool.clone()).encrypted(TokenCipher::new([0x11; 32]));
    let error = wrong_key.load(AccountId::new(101)).await.unwrap_err();
    assert!(undecryptable(&error), "{error}");
    assert!(error.to_string().contains("does not decrypt"), "{error}");
    let error = PgTokenStore::new(pool.clone()).load(AccountId::new(101)).await.unwrap_err();
    assert!(
        matches!(
            error.downcast_ref::<timeline_postgres::Error>(),
            Some(timeline_postgres::Error::KeyMissing { account }) if account.get() == 101
        ),
        "{error}"
    );

    // One bit changed in a ciphertext.
    sqlx::query("UPDATE timeline_tokens.tokens SET refresh_token = set_byte(refresh_token, 30, get_byte(refresh_token, 30) # 1) WHERE account = 101")
        .execute(&pool)
        .await
        .unwrap();
    let error = store.load(AccountId::new(101)).await.unwrap_err();
    assert!(undecryptable(&error), "{error}");
    // Another account's ciphertext copied in.
    sqlx::query(
        "UPDATE timeline_tokens.tokens SET access_token = (SELECT access_token FROM timeline_tokens.tokens WHERE account = 101) WHERE account = 102",
    )
    .execute(&pool)
    .await
    .unwrap();
    let error = store.load(AccountId::new(102)).await.unwrap_err();
    assert!(undecryptable(&error), "{error}");

    // An app over the wrong key reports the store's error for the account.
    let sandbox = sandbox().await;
    let app = replica(&sandbox, Arc::new(wrong_key));
    let signup = Signup { contact_id: 1, signup_id: "wrong-key".to_owned(), plan: "pro".to_owned() };
    let outcome = app.account(101).send(&signup).await;
    assert!(
        matches!(outcome.as_ref().map_err(|stopped| stopped.cause()), Err(Error::TokenStore { account, message, .. }) if account.get() == 101 && message.contains("does not decrypt")),
        "{outcome:?}"
    );
    assert_eq!(sandbox.stats().requests, 0, "nothing was sent");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_renewal_lock_keeps_other_replicas_out_until_released_or_its_connection_dies() {
    let Some(db) = TestDb::new("token_store::renewal_lock").await else { return };
    let holder = pg_store(&db).await;
    let other = pg_store(&db).await.with_lock_timeout(Duration::from_millis(200));

    let held = holder.lock_renewal(AccountId::new(7)).await.unwrap();
    let error = other.lock_renewal(AccountId::new(7)).await.err().expect("the lock is held");
    assert!(error.to_string().contains("take the renewal lock"), "{error}");
    other.lock_renewal(AccountId::new(8)).await.unwrap().release().await.unwrap();
    held.release().await.unwrap();
    other.lock_renewal(AccountId::new(7)).await.unwrap().release().await.unwrap();

    // A replica that dies holding the lock: its connection ends, and so does the lock.
    let _dying = holder.lock_renewal(AccountId::new(7)).await.unwrap();
    let admin = db.pool().await;
    let (killed,): (bool,) = sqlx::query_as(
        "SELECT bool_and(pg_terminate_backend(pid)) FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    assert!(killed);
    let other = other.with_lock_timeout(Duration::from_secs(60));
    other.lock_renewal(AccountId::new(7)).await.unwrap().release().await.unwrap();
}
