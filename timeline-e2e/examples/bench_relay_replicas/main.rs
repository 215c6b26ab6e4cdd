//! Two `timeline relay` processes behind one app: one Postgres outbox, one
//! Redis budget, each account held by an in-process `timeline-sandbox` to
//! `--rate-limit` requests per `--rate-window-ms`. Clients post v3 batches
//! to both relays, alternately, with `--ack-wait-ms 0`, until every account
//! has more work waiting than its allowance lets out in the measured
//! windows; then the requests the sandbox accepted in `--windows` steady
//! windows (sampled at window boundaries, the first window after the load
//! left out) are each account's share of its allowance, with the 429s the
//! sandbox answered.
//!
//! Postgres and Redis are `timeline-testkit`'s throwaway servers on
//! loopback; the relay is the release binary (`cargo build --release -p
//! timeline-cli`).
//!
//! ```text
//! cargo run --release --example bench_relay_replicas -- --accounts 4 --rate-limit 5 --rate-window-ms 1000 --windows 6
//! ```

use std::error::Error;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::Parser;
use hubspot_timeline::wire::TimelineEventTemplate;
use serde_json::{Value, json};
use timeline_sandbox::Sandbox;
use timeline_testkit::{RedisServer, TestDb};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

/// What stops the driver.
type Failure = Box<dyn Error + Send + Sync>;

const FIRST_ACCOUNT: u64 = 5_000_001;
/// The dispatcher's batch size: the inputs of one request to HubSpot.
const BATCH: usize = 100;

/// The options (`--help` lists them).
#[derive(Debug, Parser)]
#[command(name = "bench_relay_replicas", about = "Two relays sharing one outbox and one budget (BENCHMARKS.md)")]
struct Options {
    /// Accounts the clients send for
    #[arg(long, default_value_t = 4)]
    accounts: u64,
    /// Each account's requests per window
    #[arg(long, default_value_t = 5)]
    rate_limit: u32,
    /// The rolling window, in milliseconds
    #[arg(long = "rate-window-ms", value_name = "MS", default_value_t = 1_000)]
    rate_window_ms: u64,
    /// Steady windows measured
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..))]
    windows: u32,
    /// Events loaded per account [default: sized from a first small load, so
    /// that each account has work left for the last window]
    #[arg(long = "events-per-account", value_name = "EVENTS")]
    load: Option<usize>,
    /// The `timeline` binary
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/timeline"))]
    timeline_bin: PathBuf,
}

impl Options {
    fn window(&self) -> Duration {
        Duration::from_millis(self.rate_window_ms)
    }

    /// Events per account: its allowance over the measured windows, the
    /// loading and two more windows, in full batches, and a half more.
    fn events_per_account(&self, loading: Duration) -> usize {
        let windows = f64::from(self.windows) + 2.0 + loading.as_secs_f64() / self.window().as_secs_f64();
        (windows * f64::from(self.rate_limit) * BATCH as f64 * 1.5) as usize
    }
}

/// A bench event's v3 input for `account`.
fn input(account: u64, n: usize) -> Value {
    json!({
        "eventTemplateId": "1009001",
        "id": format!("relay-replicas-{account}-{n}"),
        "objectId": (5_100_000 + n % 1000).to_string(),
        "tokens": {"petName": "Rex", "petAge": (n % 17).to_string(), "breed": "beagle", "shelter": "North"},
    })
}

/// Starts `timeline relay` with `args`; the child and its URL.
async fn relay(options: &Options, args: &[String]) -> Result<(Child, String), Failure> {
    let mut child = Command::new(&options.timeline_bin)
        .arg("relay")
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut line = String::new();
    tokio::io::BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line).await?;
    let url = line.trim().strip_prefix("listening on ").ok_or_else(|| format!("unexpected first line {line:?}"))?;
    Ok((child, url.to_owned()))
}

/// Requests the sandbox accepted (answered other than 429) per account, and 429s in all.
fn accepted(sandbox: &Sandbox, accounts: &[u64]) -> (Vec<u64>, u64) {
    let mut refused = 0;
    let accepted = accounts
        .iter()
        .map(|&account| {
            let stats = sandbox.account_stats(account);
            refused += stats.status_count(429);
            stats.requests - stats.status_count(429)
        })
        .collect();
    (accepted, refused)
}

/// Posts `events` inputs of each account to the relays in turn, in
/// batches, the accounts in turn, 8 requests at a time.
async fn load(relays: &[String], accounts: &[u64], events: usize) -> Result<(), Failure> {
    let http = reqwest::Client::new();
    let mut requests = Vec::new();
    // Every account's first batch, then every account's second, …: no account runs dry early.
    for first in (0..events).step_by(BATCH) {
        for &account in accounts {
            let inputs: Vec<Value> = (first..(first + BATCH).min(events)).map(|n| input(account, n)).collect();
            requests.push((account, json!({ "inputs": inputs })));
        }
    }
    let mut in_flight = tokio::task::JoinSet::new();
    for (n, (account, body)) in requests.into_iter().enumerate() {
        if in_flight.len() >= 8 {
            in_flight.join_next().await.ok_or("no request")???;
        }
        let url = format!("{}/integrators/timeline/v3/events/batch/create", relays[n % relays.len()]);
        let request = http.post(url).bearer_auth(format!("token-{account}")).json(&body);
        in_flight.spawn(async move {
            let answer = request.send().await?;
            if !answer.status().is_success() {
                return Err(format!("{}: {}", answer.status(), answer.text().await?).into());
            }
            Ok::<(), Failure>(())
        });
    }
    while let Some(done) = in_flight.join_next().await {
        done??;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let options = Options::parse();
    let Some(db) = TestDb::new("bench_relay_replicas").await else {
        return Err("Postgres is needed: install the Debian package postgresql".into());
    };
    let Some(redis) = RedisServer::start() else {
        return Err("redis-server is needed: install the Debian package redis-server".into());
    };
    let template: TimelineEventTemplate =
        serde_json::from_str(include_str!("../../benches/templates/bench-event.json"))?;
    let accounts: Vec<u64> = (FIRST_ACCOUNT..FIRST_ACCOUNT + options.accounts).collect();
    let mut sandbox = Sandbox::builder()
        .template(template)
        .rate_limit(timeline_sandbox::RateLimit::new(options.rate_limit, options.window()));
    for &account in &accounts {
        sandbox = sandbox.account_token(account, format!("token-{account}"));
    }
    let sandbox = sandbox.start().await?;
    let dir = tempfile::tempdir()?;
    let tokens = dir.path().join("tokens.json");
    let file: serde_json::Map<String, Value> =
        accounts.iter().map(|account| (account.to_string(), json!(format!("token-{account}")))).collect();
    std::fs::write(&tokens, Value::Object(file).to_string())?;
    let args: Vec<String> = [
        "--listen",
        "127.0.0.1:0",
        "--hubspot-base-url",
        sandbox.url(),
        "--outbox",
        db.url(),
        "--budget",
        &redis.url(),
        "--rate-limit",
        &format!("{}/{}", options.rate_limit, options.rate_window_ms),
        "--ack-wait-ms",
        "0",
        "--tokens",
        &tokens.display().to_string(),
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .collect();
    let (first, first_url) = relay(&options, &args).await?;
    let (second, second_url) = relay(&options, &args).await?;
    let relays = [first_url, second_url];

    // A first small load says how fast the relays take events, to size the real one.
    let started = Instant::now();
    load(&relays, &accounts, BATCH * 2).await?;
    let per_event = started.elapsed() / (BATCH * 2 * accounts.len()) as u32;
    let guess = options.events_per_account(Duration::ZERO);
    // Three times the guess: the relays deliver while they take the load, which slows the load.
    let loading = per_event * (guess * accounts.len()) as u32 * 3;
    let events = options.load.unwrap_or_else(|| options.events_per_account(loading));
    println!(
        "{} accounts, {} requests per {} ms each, {} steady windows; {events} events per account, batches of {BATCH}, \
         through 2 relays (Postgres outbox, Redis budget, --ack-wait-ms 0)",
        options.accounts, options.rate_limit, options.rate_window_ms, options.windows
    );
    let started = Instant::now();
    load(&relays, &accounts, events).await?;
    println!("loaded in {:.1} s", started.elapsed().as_secs_f64());

    tokio::time::sleep(options.window()).await;
    let (before, _) = accepted(&sandbox, &accounts);
    let measured = Instant::now();
    tokio::time::sleep(options.window() * (options.windows - 1)).await;
    let least_left = accounts
        .iter()
        .map(|&account| events.saturating_sub(sandbox.account_stats(account).inputs_stored as usize))
        .min()
        .unwrap_or(0);
    tokio::time::sleep_until((measured + options.window() * options.windows).into()).await;
    let (after, refused) = accepted(&sandbox, &accounts);
    // Over the time the samples really span, which a loaded machine stretches.
    let windows = measured.elapsed().as_secs_f64() / options.window().as_secs_f64();
    let allowance = f64::from(options.rate_limit) * windows;
    let mut shares: Vec<f64> =
        before.iter().zip(&after).map(|(before, after)| (after - before) as f64 / allowance).collect();
    let total: f64 = shares.iter().sum::<f64>() / shares.len() as f64;
    shares.sort_unstable_by(f64::total_cmp);
    println!(
        "steady share   all accounts {:.1}%; per account min {:.1}%, median {:.1}%, max {:.1}%; {} of {} below 90%",
        total * 100.0,
        shares[0] * 100.0,
        shares[shares.len() / 2] * 100.0,
        shares[shares.len() - 1] * 100.0,
        shares.iter().filter(|share| **share < 0.9).count(),
        shares.len()
    );
    println!("429s           {refused}");
    let window_of_work = options.rate_limit as usize * BATCH;
    if least_left < window_of_work {
        println!("not enough work: an account had {least_left} events left for the last window; its share is too low");
    } else {
        println!("work left      every account had at least {least_left} events waiting as the last window began");
    }
    drop((first, second));
    sandbox.shutdown().await;
    Ok(())
}
