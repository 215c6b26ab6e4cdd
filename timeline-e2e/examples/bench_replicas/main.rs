//! Replicas sharing one budget: 1, 2 and 4 [`App`]s in this process, each
//! with its own [`RedisRateBudget`] and its own Redis connection (the way
//! separate replicas would hold them), sending for the same accounts to an
//! in-process `timeline-sandbox` whose accounts have a short rolling window.
//!
//! For each replica count: the requests the sandbox accepted in the steady
//! windows (the first window left out) as a share of the accounts'
//! allowance, its 429s, and the Redis round trips per permit (`EVALSHA` and
//! `EVAL` calls from `INFO commandstats`, before and after, over the
//! requests the sandbox received). Then the cost of one permit (acquire and
//! drop, nothing waiting) from the Redis budget and from the in-process
//! [`LocalRateBudget`], as a ratio in the same run. Redis is
//! `timeline-testkit`'s throwaway `redis-server` on loopback.
//!
//! ```text
//! cargo run --features redis --example bench_replicas -- --accounts 4 --rate-limit 20 --rate-window-ms 1000 --windows 6
//! ```

use clap::Parser;
use hubspot_timeline::AccountId;
use hubspot_timeline::Client;
use std::collections::BTreeMap;
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use timeline_e2e::pet_event;

use chrono::Utc;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::budget::{LocalRateBudget, RateBudget, RateLimit};
use hubspot_timeline::redis::RedisRateBudget;
use hubspot_timeline::wire::TimelineEventTemplate;
use hubspot_timeline::{App, SendAll};
use timeline_sandbox::Sandbox;
use timeline_testkit::RedisServer;

const CLIENT_ID: &str = "bench-replicas-id";
const CLIENT_SECRET: &str = "bench-replicas-secret";
const FIRST_ACCOUNT: u64 = 4_000_001;

/// The options (`--help` lists them).
#[derive(Debug, Parser)]
#[command(name = "bench_replicas", about = "Replicas sharing one Redis budget (BENCHMARKS.md)")]
struct Options {
    /// Accounts the replicas send for
    #[arg(long, default_value_t = 4)]
    accounts: u64,
    /// Each account's requests per window
    #[arg(long, default_value_t = 20)]
    rate_limit: u32,
    /// The rolling window, in milliseconds
    #[arg(long = "rate-window-ms", value_name = "MS", default_value_t = 1_000)]
    rate_window_ms: u64,
    /// Windows of work
    #[arg(long, default_value_t = 6)]
    windows: u32,
    /// Tasks sending for each account in each replica
    #[arg(long, default_value_t = 4)]
    tasks_per_account: usize,
    /// Permits taken for the cost of one
    #[arg(long, default_value_t = 2_000)]
    permits: u32,
}

impl Options {
    /// The rolling window.
    fn window(&self) -> Duration {
        Duration::from_millis(self.rate_window_ms)
    }
}

/// The calls of each Redis command so far, from `INFO commandstats`.
async fn command_calls(
    connection: &mut redis::aio::MultiplexedConnection,
) -> Result<BTreeMap<String, u64>, Box<dyn Error>> {
    let info: String = redis::cmd("INFO").arg("commandstats").query_async(connection).await?;
    Ok(info
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = rest.split(',').find_map(|field| field.strip_prefix("calls="))?.parse().ok()?;
            Some((name.to_owned(), calls))
        })
        .collect())
}

fn calls_between(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>, names: &[&str]) -> u64 {
    names.iter().map(|name| after.get(*name).unwrap_or(&0) - before.get(*name).unwrap_or(&0)).sum()
}

/// Requests the sandbox accepted (answered other than 429) and 429s, over `accounts`.
fn accepted_and_refused(sandbox: &Sandbox, accounts: &[u64]) -> (u64, u64, u64) {
    accounts.iter().fold((0, 0, 0), |(accepted, refused, requests), &account| {
        let stats = sandbox.account_stats(account);
        let refused_here = stats.status_count(429);
        (accepted + stats.requests - refused_here, refused + refused_here, requests + stats.requests)
    })
}

fn app(sandbox: &Sandbox, accounts: &[u64], budget: Arc<dyn RateBudget>) -> Result<App, Box<dyn Error>> {
    let store = Arc::new(MemoryTokenStore::new());
    for &account in accounts {
        let grant = sandbox.grant(account);
        let expires_at = Utc::now() + chrono::Duration::seconds(grant.expires_in);
        store.insert(account, AccountTokens::new(grant.access_token, expires_at, grant.refresh_token));
    }
    Ok(App::builder()
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_store(store)
        .client(Client::builder().base_url(sandbox.url()).batch_size(1))
        .rate_budget(budget)
        .build()?)
}

/// One share run with `replicas` apps; prints its line.
async fn share(redis: &RedisServer, options: &Options, replicas: usize) -> Result<(), Box<dyn Error>> {
    let template: TimelineEventTemplate =
        serde_json::from_str(include_str!("../../benches/templates/bench-event.json"))?;
    let sandbox = Sandbox::builder()
        .template(template)
        .oauth_client(CLIENT_ID, CLIENT_SECRET)
        .rate_limit(timeline_sandbox::RateLimit::new(options.rate_limit, options.window()))
        .start()
        .await?;
    let accounts: Vec<u64> = (FIRST_ACCOUNT..FIRST_ACCOUNT + options.accounts).collect();
    let limit = RateLimit::new(options.rate_limit, options.window());
    let prefix = format!("bench:{replicas}");
    let mut apps = Vec::new();
    for _ in 0..replicas {
        let budget = RedisRateBudget::builder().url(redis.url()).prefix(prefix.clone()).limit(limit).build().await?;
        apps.push(app(&sandbox, &accounts, Arc::new(budget))?);
    }
    let mut admin = redis::Client::open(redis.url())?.get_multiplexed_async_connection().await?;
    let calls_before = command_calls(&mut admin).await?;
    let requests_before = accepted_and_refused(&sandbox, &accounts).2;

    let start = Instant::now();
    let end = start + options.window() * (options.windows + 1);
    let sequence = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for app in &apps {
        for &account in &accounts {
            for _ in 0..options.tasks_per_account {
                let (client, sequence) = (app.account(account), Arc::clone(&sequence));
                tasks.push(tokio::spawn(async move {
                    while Instant::now() < end {
                        let event = pet_event::pet_adopted(sequence.fetch_add(1, Ordering::Relaxed));
                        let _ = [event].send_all(&client).await;
                    }
                }));
            }
        }
    }
    tokio::time::sleep_until((start + options.window()).into()).await;
    let (first_window, _, _) = accepted_and_refused(&sandbox, &accounts);
    tokio::time::sleep_until(end.into()).await;
    let (steady_end, _, _) = accepted_and_refused(&sandbox, &accounts);
    for task in tasks {
        task.await?;
    }
    let (_, refused, requests_after) = accepted_and_refused(&sandbox, &accounts);
    let calls_after = command_calls(&mut admin).await?;
    let round_trips = calls_between(&calls_before, &calls_after, &["evalsha", "eval"]);
    let loads = calls_between(&calls_before, &calls_after, &["script|load", "script"]);
    let permits = requests_after - requests_before;
    let allowance = options.accounts * u64::from(options.rate_limit) * u64::from(options.windows);
    let steady = steady_end - first_window;
    println!(
        "replicas {replicas}: steady windows {} × {} accounts: {steady} accepted of {allowance} allowed = {:.1} %; \
         429s {refused}; permits {permits}; script calls {round_trips} ({:.2} per permit), script loads {loads}",
        options.windows,
        options.accounts,
        100.0 * steady as f64 / allowance as f64,
        round_trips as f64 / permits.max(1) as f64,
    );
    sandbox.shutdown().await;
    Ok(())
}

/// The mean cost of one permit (acquire, drop) from `budget`, nothing waiting.
async fn permit_cost(budget: &dyn RateBudget, permits: u32) -> Duration {
    let start = Instant::now();
    for n in 0..permits {
        drop(budget.acquire(AccountId::new(u64::from(n % 16))).await);
    }
    start.elapsed() / permits
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let options = Options::parse();
    let Some(redis) = RedisServer::start() else {
        return Err("redis-server is needed: install the Debian package redis-server".into());
    };
    println!(
        "{} accounts, {} requests per {} ms each, {} steady windows, {} sending tasks per account and replica",
        options.accounts,
        options.rate_limit,
        options.window().as_millis(),
        options.windows,
        options.tasks_per_account
    );
    for replicas in [1, 2, 4] {
        share(&redis, &options, replicas).await?;
    }
    let roomy = RateLimit::new(100_000, Duration::from_secs(10));
    let shared = RedisRateBudget::builder().url(redis.url()).prefix("bench:latency").limit(roomy).build().await?;
    let local = LocalRateBudget::new(roomy)?;
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let redis_cost = permit_cost(&shared, options.permits).await;
        let local_cost = permit_cost(&local, options.permits).await;
        rounds.push((redis_cost, local_cost));
    }
    for (round, (redis_cost, local_cost)) in rounds.iter().enumerate() {
        println!(
            "permit round {round}: Redis {:.1} µs, in process {:.2} µs: Redis / in process = {:.0}",
            redis_cost.as_secs_f64() * 1e6,
            local_cost.as_secs_f64() * 1e6,
            redis_cost.as_secs_f64() / local_cost.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}
