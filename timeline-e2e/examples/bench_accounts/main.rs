//! Many-accounts benchmark: one [`App`] sending to many accounts
//! of `timeline-sandbox` (run as a child process) over loopback.
//!
//! - `memory`: this process's RSS and live heap bytes (a counting global
//!   allocator) before, after sending one small batch to each of N accounts
//!   (tokens pre-seeded in a `MemoryTokenStore` before the first figure), and
//!   after the accounts go idle (a window later, one account touched so the
//!   budget sweeps), with `LocalRateBudget::tracked_accounts` at each point;
//!   each round touches N accounts it has not touched before.
//! - `share`: `App::send_all` to N registered accounts, each with
//!   `rate limit × windows` batches of work; the aggregate share of the sum of
//!   the allowances in the steady windows, each account's share of its own,
//!   and the sandbox's count of 429s.
//!
//! ```text
//! cargo build --release -p timeline-sandbox
//! cargo run --release --example bench_accounts -- memory --accounts 10000 --rounds 3
//! cargo run --release --example bench_accounts -- share --accounts 100 --windows 5
//! cargo run --release --example bench_accounts -- share --accounts 100 --windows 10 --rate-window-ms 1000
//! ```

mod args;

use hubspot_timeline::Client;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};
use timeline_e2e::answers::ShareRun;
use timeline_e2e::{answers, heap, pet_event, sandbox_process, usage};

use chrono::Utc;
use hubspot_timeline::App;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::budget::{LocalRateBudget, RateLimit};
use hubspot_timeline::send::SendReport;
use timeline_sandbox::Stats;

use answers::Recording;
use args::{Args, Part};
use sandbox_process::SandboxProcess;

#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.part {
        Part::Memory => {
            // No account is registered: the sandbox accepts every token, and
            // its rate limit is off (each unregistered token would have a
            // window of its own anyway); the app's budget paces each account.
            let sandbox = SandboxProcess::start(&args.sandbox_bin, &args.templates, 0, args.rate_window, &[])?;
            runtime.block_on(memory(&args, &sandbox))
        }
        Part::Share => {
            let registered: Vec<String> = account_range(1, args.accounts)
                .flat_map(|account| ["--account-token".to_owned(), format!("{account}={}", access_token(account))])
                .collect();
            let sandbox = SandboxProcess::start(
                &args.sandbox_bin,
                &args.templates,
                args.rate_limit,
                args.rate_window,
                &registered,
            )?;
            runtime.block_on(share(&args, &sandbox))
        }
    }
}

fn account_range(first: u64, count: u64) -> std::ops::Range<u64> {
    first..first + count
}

fn access_token(account: u64) -> String {
    format!("bench-account-{account}")
}

/// An app whose store holds tokens, valid for a day, for the accounts `0..last`.
fn app(
    args: &Args,
    sandbox: &SandboxProcess,
    budget: Arc<dyn hubspot_timeline::budget::RateBudget>,
    last: u64,
) -> Result<App, Box<dyn Error>> {
    let store = Arc::new(MemoryTokenStore::new());
    let expires_at = Utc::now() + chrono::Duration::days(1);
    for account in 0..last {
        store
            .insert(account, AccountTokens::new(access_token(account), expires_at, format!("bench-refresh-{account}")));
    }
    let app = App::builder()
        .client_id("bench-client-id")
        .client_secret("bench-client-secret")
        .token_store(store)
        .client(
            Client::builder()
                .base_url(sandbox.url())
                .token_url(format!("{}/oauth/2026-03/token", sandbox.url()))
                .batch_size(args.batch_size)
                .max_in_flight(args.in_flight)
                .max_in_flight_total(args.in_flight_total),
        )
        .rate_budget(budget)
        .build()?;
    Ok(app)
}

/// Sends `per_account` events to each of `accounts`, numbered from `*next`.
async fn send(
    app: &App,
    accounts: std::ops::Range<u64>,
    per_account: u64,
    next: &mut u64,
) -> Result<SendReport, Box<dyn Error>> {
    let mut pairs = Vec::new();
    for account in accounts {
        for _ in 0..per_account {
            pairs.push((account, pet_event::pet_adopted(*next)));
            *next += 1;
        }
    }
    let report = app.send_all(pairs).await?;
    if report.failed_count() > 0 {
        return Err(format!("{} events failed: {:?}", report.failed_count(), report.failed().first()).into());
    }
    Ok(report)
}

/// One reading of this process's memory.
struct Reading {
    label: String,
    heap: usize,
    heap_peak: usize,
    rss_kib: u64,
    hwm_kib: u64,
    tracked: usize,
}

impl Reading {
    fn take(label: String, budget: &LocalRateBudget) -> Reading {
        let (heap, heap_peak) = (heap::live_bytes(), heap::peak_bytes());
        let rss_kib = usage::status_kib("VmRSS").unwrap_or(0);
        let hwm_kib = usage::status_kib("VmHWM").unwrap_or(0);
        Reading { label, heap, heap_peak, rss_kib, hwm_kib, tracked: budget.tracked_accounts() }
    }
}

async fn memory(args: &Args, sandbox: &SandboxProcess) -> Result<(), Box<dyn Error>> {
    let budget = Arc::new(LocalRateBudget::new(RateLimit::new(args.rate_limit, args.rate_window))?);
    // Account 0 is the one touched to make the sweeps run.
    let app = app(args, sandbox, budget.clone(), 1 + args.accounts * args.rounds)?;
    let mut next = 0;
    let before = Reading::take("before".to_owned(), &budget);
    let mut readings = Vec::new();
    let started = Instant::now();
    let cpu_before = usage::cpu_time();
    for round in 0..args.rounds {
        let accounts = account_range(1 + round * args.accounts, args.accounts);
        let (first, last) = (accounts.start, accounts.end - 1);
        drop(send(&app, accounts, args.events_per_account, &mut next).await?);
        readings.push(Reading::take(format!("round {}: after sending to {first}..={last}", round + 1), &budget));
        tokio::time::sleep(args.rate_window + Duration::from_millis(100)).await;
        drop(send(&app, account_range(0, 1), 1, &mut next).await?);
        readings.push(Reading::take(format!("round {}: a window later, account 0 touched", round + 1), &budget));
    }
    let cpu = usage::cpu_time().saturating_sub(cpu_before);

    let stats: Stats = stats(sandbox).await?;
    println!(
        "accounts        {} per round, {} rounds, {} events each (batch size {}, {} in flight per account, {} in total)",
        args.accounts, args.rounds, args.events_per_account, args.batch_size, args.in_flight, args.in_flight_total
    );
    println!("app budget      {} per {} ms per account", args.rate_limit, args.rate_window.as_millis());
    println!(
        "requests        {} ({} answered 429), {} events, {:.1} s, client CPU {:.2} s",
        stats.requests,
        stats.status_count(429),
        next,
        started.elapsed().as_secs_f64(),
        cpu.as_secs_f64()
    );
    println!(
        "{:<48} {:>12} {:>14} {:>12} {:>10} {:>14} {:>9} {:>8}",
        "point", "heap bytes", "heap B/account", "heap peak", "RSS KiB", "RSS B/account", "HWM KiB", "tracked"
    );
    for reading in std::iter::once(&before).chain(&readings) {
        let per_account = |now: f64, then: f64| (now - then) / args.accounts as f64;
        println!(
            "{:<48} {:>12} {:>14.1} {:>12} {:>10} {:>14.1} {:>9} {:>8}",
            reading.label,
            reading.heap,
            per_account(reading.heap as f64, before.heap as f64),
            reading.heap_peak,
            reading.rss_kib,
            per_account(reading.rss_kib as f64 * 1024.0, before.rss_kib as f64 * 1024.0),
            reading.hwm_kib,
            reading.tracked
        );
    }
    Ok(())
}

async fn stats(sandbox: &SandboxProcess) -> Result<Stats, Box<dyn Error>> {
    let url = format!("{}/_sandbox/stats", sandbox.url());
    Ok(serde_json::from_slice(&reqwest::Client::new().get(url).send().await?.bytes().await?)?)
}

async fn share(args: &Args, sandbox: &SandboxProcess) -> Result<(), Box<dyn Error>> {
    let limit = RateLimit::new(args.rate_limit, args.rate_window);
    let budget = Arc::new(Recording::new(LocalRateBudget::new(limit)?));
    let app = app(args, sandbox, budget.clone(), 1 + args.accounts)?;
    let per_account = u64::from(args.rate_limit) * args.windows * args.batch_size as u64;
    let mut next = 0;

    let started = Instant::now();
    let cpu_before = usage::cpu_time();
    let server_cpu_before = usage::process_cpu_time(sandbox.pid());
    let report = send(&app, account_range(1, args.accounts), per_account, &mut next).await?;
    let elapsed = started.elapsed();
    let cpu = usage::cpu_time().saturating_sub(cpu_before);
    let server_cpu = usage::process_cpu_time(sandbox.pid()).zip(server_cpu_before).map(|(end, start)| end - start);

    let stats = stats(sandbox).await?;
    println!(
        "bounds          batch size {}, max_in_flight {} per account, max_in_flight_total {}",
        args.batch_size, args.in_flight, args.in_flight_total
    );
    println!("events          {} created, {} failed", report.created_count(), report.failed_count());
    ShareRun {
        budget: &budget,
        accounts: args.accounts,
        limit: args.rate_limit,
        window: args.rate_window,
        windows: args.windows,
        received: stats.requests,
        accepted: stats.status_count(201) + stats.status_count(207),
        rate_limited: stats.status_count(429),
        elapsed,
        cpu,
        sandbox_cpu: server_cpu,
    }
    .print();
    Ok(())
}
