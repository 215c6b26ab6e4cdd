//! The replicas soak: three processes of `examples/service` share one
//! Postgres outbox, one Postgres token store and one Redis rate budget, and
//! deliver to the sandbox's 100 accounts, each limited to a few requests per
//! short window, while the sandbox answers 10% of requests with 503, closes
//! 5% of connections after storing, and access tokens expire every few
//! seconds. Events are posted to the replicas round-robin; one replica is
//! killed with SIGKILL mid-run and not started again. The replicas run with
//! the default lease.
//!
//! The rows claimed when the replica was killed are delivered by the others
//! within a minute. Afterwards every accepted event is stored, in its own
//! account; the sandbox refuses every repeated id ("already in use"), so a
//! re-send the outbox wrongly took for a first send would end as a dead
//! letter, and there is none; no account was sent more than its limit in any
//! window (the sandbox answered no 429), each account's token was renewed at
//! most once per expiry across all replicas, and the outbox holds nothing
//! pending, claimed or dead.
//!
//! The test builds the service and the sandbox first (`cargo build`, in the
//! same target folder). It needs `postgres` (Debian `postgresql`) and
//! `redis-server` (Debian `redis-server`); without them it skips, except
//! under `CI=true`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use timeline_dispatch::{Outbox, RowFilter, RowState};
use timeline_sandbox::{DuplicateIds, Fault, Faults, RateLimit, Sandbox};
use timeline_testkit::{PgServer, RedisServer};

mod service_binary;

use service_binary::{Running, build_service, signal, start, wait_exit};

const REPLICAS: usize = 3;
const FIRST_ACCOUNT: u64 = 5001;
const ACCOUNTS: u64 = 100;
const EVENTS_PER_ACCOUNT: u64 = 30;
/// The sandbox's limit per account, and the budget the replicas share.
const LIMIT: u32 = 5;
const WINDOW: Duration = Duration::from_secs(1);
const TOKEN_TTL: Duration = Duration::from_secs(12);
/// What the default lease promises: a killed replica's claims are
/// delivered by the others within a minute.
const WITHIN_A_MINUTE: Duration = Duration::from_secs(60);
/// How long the posting takes: tokens expire a few times meanwhile.
const POSTING: Duration = Duration::from_secs(30);
/// The hang guard of the drain after the last post.
const DRAIN_LIMIT: Duration = Duration::from_secs(60);
const CLIENT_ID: &str = "soak-app";
const CLIENT_SECRET: &str = "soak-secret";

/// What every replica is started with.
struct ReplicaSetup {
    service: PathBuf,
    sandbox_url: String,
    outbox_url: String,
    tokens_url: String,
    redis_url: String,
    seed_file: PathBuf,
}

impl ReplicaSetup {
    /// Starts a replica and reads its URL from its first stdout line.
    fn start(&self) -> (Running, String) {
        start(
            Command::new(&self.service)
                .args(["--listen", "127.0.0.1:0", "--hubspot-base-url", &self.sandbox_url])
                .args(["--outbox", &self.outbox_url, "--token-store", &self.tokens_url, "--budget", &self.redis_url])
                .arg("--tokens")
                .arg(&self.seed_file)
                .args(["--rate-limit", &format!("{LIMIT}/{}", WINDOW.as_millis())])
                .env("HUBSPOT_CLIENT_ID", CLIENT_ID)
                .env("HUBSPOT_CLIENT_SECRET", CLIENT_SECRET),
        )
    }
}

fn accounts() -> impl Iterator<Item = u64> {
    FIRST_ACCOUNT..FIRST_ACCOUNT + ACCOUNTS
}

/// Event `n`: its account and registration id.
fn registration(n: u64) -> (u64, String) {
    (FIRST_ACCOUNT + n % ACCOUNTS, format!("r-{n}"))
}

/// Posts registration `n` until a replica accepts it (202), trying the next
/// replica when one is down or refuses; gives the event id it answered.
async fn post_until_accepted(http: &reqwest::Client, replicas: &Mutex<Vec<String>>, n: u64) -> String {
    let (account, registration_id) = registration(n);
    let body = serde_json::json!({
        "registrationId": registration_id,
        "email": format!("{registration_id}@example.com"),
        "webinar": "Replicas in practice",
        "registeredAt": "2026-11-30T09:15:00Z",
    })
    .to_string();
    let mut attempt = 0;
    loop {
        let url = {
            let replicas = replicas.lock().unwrap();
            format!("{}/accounts/{account}/registrations", replicas[(n as usize + attempt) % replicas.len()])
        };
        let answer = http.post(url).header("content-type", "application/json").body(body.clone()).send().await;
        match answer {
            Ok(answer) if answer.status() == 202 => {
                let body = answer.bytes().await.expect("the answer's body");
                let accepted: serde_json::Value = serde_json::from_slice(&body).expect("a JSON answer");
                return accepted["eventId"].as_str().expect("the answer names the event id").to_owned();
            }
            // A replica that is down, or stopping, refuses; the next one takes it.
            Ok(answer) => assert!(answer.status().is_server_error(), "registration {n}: {}", answer.status()),
            Err(_) => {}
        }
        attempt += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_share_one_outbox_one_token_store_and_one_budget_through_a_sigkill() {
    let (Some(postgres), Some(redis)) = (PgServer::start(), RedisServer::start()) else {
        return; // the message names the missing package
    };
    let service = build_service();
    let faults = Faults::seeded(0x5eed).share(0.1, Fault::Status(503)).share(0.05, Fault::CloseAfterStore);
    let sandbox = Sandbox::builder()
        .templates_from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/service/timeline"))
        .oauth_client(CLIENT_ID, CLIENT_SECRET)
        .access_token_ttl(TOKEN_TTL)
        .rate_limit(RateLimit::new(LIMIT, WINDOW))
        .duplicate_ids(DuplicateIds::Reject)
        .faults(faults)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seed_file = dir.path().join("tokens.json");
    let seed: BTreeMap<String, serde_json::Value> = accounts()
        .map(|account| {
            let grant = sandbox.grant(account);
            let expires_at = chrono::Utc::now() + chrono::Duration::seconds(grant.expires_in);
            let tokens = serde_json::json!({
                "accessToken": grant.access_token,
                "refreshToken": grant.refresh_token,
                "expiresAt": expires_at.to_rfc3339(),
            });
            (account.to_string(), tokens)
        })
        .collect();
    std::fs::write(&seed_file, serde_json::to_vec(&seed).unwrap()).unwrap();
    let setup = ReplicaSetup {
        service,
        sandbox_url: sandbox.url().to_owned(),
        outbox_url: postgres.create_database("outbox").await,
        tokens_url: postgres.create_database("tokens").await,
        redis_url: redis.url(),
        seed_file,
    };

    let started = Instant::now();
    let mut children = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..REPLICAS {
        let (child, url) = setup.start();
        children.push(child);
        urls.push(url);
    }
    let replicas = Arc::new(Mutex::new(urls));
    let events = ACCOUNTS * EVENTS_PER_ACCOUNT;
    let http = reqwest::Client::new();
    const POSTERS: u64 = 8;
    let pause = POSTING.mul_f64(POSTERS as f64 / events as f64);
    let posters: Vec<_> = (0..POSTERS)
        .map(|poster| {
            let (http, replicas) = (http.clone(), replicas.clone());
            tokio::spawn(async move {
                let mut accepted = Vec::new();
                for n in (poster..events).step_by(POSTERS as usize) {
                    accepted.push((n, post_until_accepted(&http, &replicas, n).await));
                    tokio::time::sleep(pause).await;
                }
                accepted
            })
        })
        .collect();

    let outbox = timeline_postgres::PgOutbox::new(sqlx::PgPool::connect(&setup.outbox_url).await.unwrap());
    tokio::time::sleep(POSTING / 3).await;
    let mut killed = children.remove(1);
    signal(&killed.0, libc::SIGKILL);
    killed.0.wait().unwrap();
    let killed_at = Instant::now();
    eprintln!("killed replica 1 after {:?}", started.elapsed());
    // Every row claimed at this moment (the killed replica's among them).
    let claimed = RowFilter { state: Some(RowState::Claimed), ..RowFilter::default() };
    let held: BTreeSet<i64> = outbox.list(&claimed, 100_000).await.unwrap().iter().map(|row| row.row).collect();
    eprintln!("{} rows claimed when replica 1 was killed", held.len());
    let watcher = {
        let outbox = outbox.clone();
        tokio::spawn(async move {
            loop {
                let still = outbox.list(&claimed, 100_000).await.unwrap();
                if !still.iter().any(|row| held.contains(&row.row)) {
                    let pending = RowFilter { state: Some(RowState::Pending), ..RowFilter::default() };
                    let waiting = outbox.list(&pending, 100_000).await.unwrap();
                    if !waiting.iter().any(|row| held.contains(&row.row)) {
                        return killed_at.elapsed();
                    }
                }
                assert!(
                    killed_at.elapsed() < WITHIN_A_MINUTE,
                    "rows claimed at the kill still undelivered after a minute"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };

    let mut accepted = BTreeMap::new();
    for poster in posters {
        accepted.extend(poster.await.unwrap());
    }
    assert_eq!(accepted.len() as u64, events, "every registration was accepted");
    eprintln!("posted {events} registrations in {:?}", started.elapsed());

    let taken_back = watcher.await.unwrap();
    eprintln!("the rows claimed at the kill were settled {taken_back:?} after it");
    let give_up = Instant::now() + DRAIN_LIMIT;
    let counts = loop {
        let counts = timeline_dispatch::Outbox::counts(&outbox).await.unwrap();
        if counts.pending == 0 && counts.claimed == 0 {
            break counts;
        }
        assert!(Instant::now() < give_up, "the outbox did not drain within {DRAIN_LIMIT:?}: {counts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let elapsed = started.elapsed();
    for child in &children {
        signal(&child.0, libc::SIGTERM);
    }
    for child in &mut children {
        let status = wait_exit(&mut child.0, Duration::from_secs(30));
        assert!(status.success(), "a replica exited with {status}");
    }
    let stats = sandbox.stats();
    eprintln!("drained in {elapsed:?}; sandbox stats {stats:?}");

    // Every accepted event is stored, in its own account (the sandbox keeps one per id).
    let expected: BTreeSet<String> = accepted.values().cloned().collect();
    assert_eq!(expected.len() as u64, events, "the events have distinct ids");
    let mut stored = Vec::new();
    for account in accounts() {
        for event in sandbox.events_in(account) {
            assert!(event.id.starts_with(&format!("reg-{account}-")), "event {} stored in account {account}", event.id);
            stored.push(event.id);
        }
    }
    let stored_set: BTreeSet<String> = stored.iter().cloned().collect();
    let missing: Vec<_> = expected.difference(&stored_set).take(5).collect();
    assert!(missing.is_empty(), "accepted events missing from the sandbox, such as {missing:?}");
    assert_eq!(stored_set, expected, "events stored that were never accepted");
    assert!(stats.faults_injected > 0 && stats.connections_closed > 0, "the sandbox injected faults: {stats:?}");

    // No account was sent more than its limit in any window.
    assert_eq!(stats.status_count(429), 0, "the replicas overran an account's window: {stats:?}");

    // Each account's token was renewed at most once per expiry, across all
    // replicas: a renewal is due a tenth of the lifetime before the expiry.
    let renewal_period = TOKEN_TTL.mul_f64(0.9);
    let most = (elapsed.as_secs_f64() / renewal_period.as_secs_f64()).ceil() as u64;
    let mut renewals = 0;
    for account in accounts() {
        let refreshes = sandbox.account_stats(account).token_request_count("refresh_token");
        assert!(refreshes <= most, "account {account} was renewed {refreshes} times in {elapsed:?} (at most {most})");
        renewals += refreshes;
    }
    assert!(renewals >= ACCOUNTS, "the tokens expired and were renewed during the run ({renewals} renewals)");

    // The outbox holds nothing pending, claimed or dead.
    assert_eq!((counts.pending, counts.claimed, counts.dead), (0, 0, 0), "{counts:?}");
    assert_eq!(counts.delivered, events, "{counts:?}");
}
