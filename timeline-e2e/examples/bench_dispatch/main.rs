//! Dispatcher benchmark: a [`Dispatcher`] delivering to `timeline-sandbox`
//! (run as a child process) over loopback, with each outbox.
//!
//! - `emit`: N events emitted from T tasks at once, through each outbox in
//!   turn (memory, SQLite, Postgres), rounds interleaved: the mean time of
//!   one `emit` call, emits/s, and end-to-end events/s (the first emit to the
//!   end of `flush()`), with ratios to the memory outbox of the same round.
//! - `share`: rows of 100 registered accounts, each with its own rate limit,
//!   enqueued before the dispatcher starts; the share of the sum of their
//!   allowances it uses (steady windows), each account's share of its own,
//!   and the sandbox's 429s.
//! - `quiet`: events emitted at a steady rate, half to account 1 (more than
//!   its allowance), half spread over the others; the delay from `emit` to
//!   delivered (the sink's outcome) of the quiet accounts' events.
//! - `memory`: N events emitted into the SQLite outbox while the sandbox
//!   answers every request 503, so that they stay pending; RSS, peak RSS and
//!   live heap at checkpoints.
//! - `flow`: N events emitted at a steady rate from T tasks and delivered,
//!   through each outbox in turn, delivered rows purged after the retention: RSS, live
//!   heap, the rows kept and the mean `emit` call over each tenth of the run.
//!
//! ```text
//! cargo build --release -p timeline-sandbox
//! cargo run --release -p timeline-e2e --example bench_dispatch -- emit --rounds 3
//! cargo run --release -p timeline-e2e --example bench_dispatch -- emit --outboxes memory,sqlite --rounds 2 --events 20000
//! cargo run --release -p timeline-e2e --example bench_dispatch -- share --accounts 100 --windows 5
//! cargo run --release -p timeline-e2e --example bench_dispatch -- quiet
//! cargo run --release -p timeline-e2e --example bench_dispatch -- memory --events 1000000
//! cargo run --release -p timeline-e2e --example bench_dispatch -- flow --events 1000000 --rate 10000 --retention-s 10 --outboxes sqlite
//! ```

mod args;
mod outboxes;

use hubspot_timeline::Client;
use std::collections::HashMap;
use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use timeline_e2e::answers::ShareRun;
use timeline_e2e::{answers, heap, pet_event, sandbox_process, usage};

use chrono::Utc;
use hubspot_timeline::App;
use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};
use hubspot_timeline::budget::{LocalRateBudget, RateBudget, RateLimit};
use hubspot_timeline::dispatch::{self, DispatchOutcome, Dispatcher, Fate, Outbox, encode_event};
use hubspot_timeline::send::RetryPolicy;
use timeline_sandbox::Stats;
use timeline_testkit::PgServer;
use tokio::task::JoinSet;

use answers::Recording;
use args::{Args, Kind, Part};
use sandbox_process::SandboxProcess;

#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

/// The app's own limit where the sandbox's is off (`emit`, `memory`): high
/// enough never to hold a request back.
const NO_LIMIT: u32 = 1_000_000;

/// `memory`: the wait before a refused event's next attempt.
const HOUR: Duration = Duration::from_secs(3600);

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse()?;
    // Before the runtime: `initdb` and `pg_ctl` run as child processes and block.
    let pg = outboxes::pg_server(&args.outboxes)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let pg = pg.as_ref();
    match args.part {
        Part::Emit => runtime.block_on(emit(&args, pg)),
        Part::Share => runtime.block_on(share(&args, pg)),
        Part::Quiet => runtime.block_on(quiet(&args, pg)),
        Part::Memory => runtime.block_on(memory(&args, pg)),
        Part::Flow => runtime.block_on(flow(&args, pg)),
    }
}

fn access_token(account: u64) -> String {
    format!("bench-account-{account}")
}

/// The sandbox with accounts 1 to `accounts` registered, each with its own
/// rate limit (`args.rate_limit` per `args.rate_window`).
fn registered_sandbox(args: &Args) -> Result<SandboxProcess, Box<dyn Error>> {
    let registered: Vec<String> = (1..=args.accounts)
        .flat_map(|account| ["--account-token".to_owned(), format!("{account}={}", access_token(account))])
        .collect();
    Ok(SandboxProcess::start(&args.sandbox_bin, &args.templates, args.rate_limit, args.rate_window, &registered)?)
}

/// An app whose store holds tokens, valid for a day, for accounts 1 to
/// `args.accounts`; `budget` paces it (else a limit that never holds back).
fn app(
    args: &Args,
    sandbox: &SandboxProcess,
    budget: Option<Arc<dyn RateBudget>>,
    retry: Option<RetryPolicy>,
) -> Result<App, Box<dyn Error>> {
    let store = Arc::new(MemoryTokenStore::new());
    let expires_at = Utc::now() + chrono::Duration::days(1);
    for account in 1..=args.accounts {
        store
            .insert(account, AccountTokens::new(access_token(account), expires_at, format!("bench-refresh-{account}")));
    }
    let mut client = Client::builder()
        .base_url(sandbox.url())
        .token_url(format!("{}/oauth/2026-03/token", sandbox.url()))
        .batch_size(args.batch_size);
    if budget.is_none() {
        client = client.rate_limit(RateLimit::new(NO_LIMIT, Duration::from_secs(1)));
    }
    if let Some(retry) = retry {
        client = client.retry(retry);
    }
    let mut builder = App::builder()
        .client_id("bench-client-id")
        .client_secret("bench-client-secret")
        .token_store(store)
        .client(client);
    if let Some(budget) = budget {
        builder = builder.rate_budget(budget);
    }
    Ok(builder.build()?)
}

/// The sink: counts the outcomes and, when asked, the time each event was delivered.
#[derive(Default)]
struct Outcomes {
    delivered: AtomicU64,
    retried: AtomicU64,
    dead: AtomicU64,
    times: Option<Mutex<HashMap<String, Instant>>>,
}

impl Outcomes {
    fn with_times() -> Self {
        Outcomes { times: Some(Mutex::default()), ..Outcomes::default() }
    }

    fn record(&self, outcome: &DispatchOutcome) {
        match &outcome.fate {
            Fate::Delivered { .. } => {
                self.delivered.fetch_add(1, Ordering::Relaxed);
                if let Some(times) = &self.times {
                    let now = Instant::now();
                    times.lock().unwrap_or_else(|p| p.into_inner()).insert(outcome.key.event_id.clone(), now);
                }
            }
            Fate::RetryAt { .. } => {
                self.retried.fetch_add(1, Ordering::Relaxed);
            }
            Fate::Dead { .. } => {
                self.dead.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn counts(&self) -> (u64, u64, u64) {
        let read = |count: &AtomicU64| count.load(Ordering::Relaxed);
        (read(&self.delivered), read(&self.retried), read(&self.dead))
    }

    fn take_times(&self) -> HashMap<String, Instant> {
        self.times
            .as_ref()
            .map(|times| std::mem::take(&mut *times.lock().unwrap_or_else(|p| p.into_inner())))
            .unwrap_or_default()
    }
}

fn sink(outcomes: &Arc<Outcomes>) -> impl Fn(&DispatchOutcome) + Send + Sync + 'static {
    let outcomes = Arc::clone(outcomes);
    move |outcome: &DispatchOutcome| outcomes.record(outcome)
}

/// The 1-minute load average.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

async fn stats(sandbox: &SandboxProcess) -> Result<Stats, Box<dyn Error>> {
    let url = format!("{}/_sandbox/stats", sandbox.url());
    Ok(serde_json::from_slice(&reqwest::Client::new().get(url).send().await?.bytes().await?)?)
}

/// The account of the `n`th event when `accounts` share the events evenly.
fn spread(n: u64, accounts: u64) -> u64 {
    1 + n % accounts
}

/// One `emit` run's figures.
struct EmitRun {
    /// Mean time of one `emit` call (each task waits for its own).
    call_us: f64,
    /// The emitting's elapsed time over the events.
    emit_us: f64,
    events_per_s: f64,
    cpu_us_per_event: f64,
}

async fn emit(args: &Args, pg: Option<&PgServer>) -> Result<(), Box<dyn Error>> {
    let sandbox = SandboxProcess::start(&args.sandbox_bin, &args.templates, 0, args.rate_window, &[])?;
    println!(
        "events          {} per run over {} accounts, emitted from {} tasks at once; batch size {}, linger {} ms",
        args.events,
        args.accounts,
        args.tasks,
        args.batch_size,
        args.linger.as_millis()
    );
    println!(
        "{:<6} {:<9} {:>6} {:>9} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "round", "outbox", "load", "call us", "emit us", "events/s", "CPU us/ev", "emit ×mem", "e2e ×mem", "delivered"
    );
    let mut next = 0;
    for round in 1..=args.rounds {
        let mut memory_run: Option<EmitRun> = None;
        for &kind in &args.outboxes {
            let load = load();
            let (run, delivered) = emit_once(args, &sandbox, pg, kind, round, &mut next).await?;
            let ratio = |of: fn(&EmitRun) -> f64| {
                memory_run.as_ref().map_or("-".to_owned(), |memory| format!("{:.2}", of(&run) / of(memory)))
            };
            println!(
                "{:<6} {:<9} {:>6} {:>9.1} {:>9.2} {:>10.0} {:>10.1} {:>10} {:>10} {:>10}",
                round,
                kind.name(),
                load,
                run.call_us,
                run.emit_us,
                run.events_per_s,
                run.cpu_us_per_event,
                ratio(|run| run.emit_us),
                ratio(|run| run.events_per_s),
                delivered
            );
            if kind == Kind::Memory {
                memory_run = Some(run);
            }
        }
    }
    let stats = stats(&sandbox).await?;
    println!("sandbox         {} requests, {} answered 429", stats.requests, stats.status_count(429));
    Ok(())
}

async fn emit_once(
    args: &Args,
    sandbox: &SandboxProcess,
    pg: Option<&PgServer>,
    kind: Kind,
    round: u64,
    next: &mut u64,
) -> Result<(EmitRun, u64), Box<dyn Error>> {
    let opened = outboxes::open(kind, pg, &format!("bench_emit_{round}"), args.pg_connections).await?;
    let outcomes = Arc::new(Outcomes::default());
    let dispatcher = Dispatcher::builder_shared(app(args, sandbox, None, None)?, Arc::clone(&opened.outbox))
        .batch_size(args.batch_size)
        .linger(args.linger)
        .batches_per_account(args.batches_per_account)
        .max_undelivered(args.events.max(1))
        .sink(sink(&outcomes))
        .spawn()?;
    let mut per_task: Vec<Vec<(u64, pet_event::PetAdopted)>> = (0..args.tasks).map(|_| Vec::new()).collect();
    for i in 0..args.events {
        per_task[(i % args.tasks) as usize].push((spread(i, args.accounts), pet_event::pet_adopted(*next)));
        *next += 1;
    }

    let cpu_before = usage::cpu_time();
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for events in per_task {
        let dispatcher = dispatcher.clone();
        tasks.spawn(async move {
            let mut spent = Duration::ZERO;
            for (account, event) in &events {
                let call = Instant::now();
                dispatcher.emit(*account, event).await?;
                spent += call.elapsed();
            }
            Ok::<_, dispatch::Error>(spent)
        });
    }
    let mut spent = Duration::ZERO;
    while let Some(joined) = tasks.join_next().await {
        spent += joined??;
    }
    let emitted = started.elapsed();
    dispatcher.flush().await?;
    let total = started.elapsed();
    let cpu = usage::cpu_time().saturating_sub(cpu_before);
    let (delivered, _, dead) = outcomes.counts();
    dispatcher.shutdown(Duration::from_secs(5)).await.expect("the dispatcher stops");
    if delivered != args.events || dead > 0 {
        return Err(format!("{} outbox: {delivered} of {} delivered, {dead} dead", kind.name(), args.events).into());
    }
    let events = args.events as f64;
    let run = EmitRun {
        call_us: spent.as_secs_f64() * 1e6 / events,
        emit_us: emitted.as_secs_f64() * 1e6 / events,
        events_per_s: events / total.as_secs_f64(),
        cpu_us_per_event: cpu.as_secs_f64() * 1e6 / events,
    };
    Ok((run, delivered))
}

async fn share(args: &Args, pg: Option<&PgServer>) -> Result<(), Box<dyn Error>> {
    let kind = args.outboxes[0];
    let sandbox = registered_sandbox(args)?;
    let opened = outboxes::open(kind, pg, "bench_share", args.pg_connections).await?;
    let limit = RateLimit::new(args.rate_limit, args.rate_window);
    let budget = Arc::new(Recording::new(LocalRateBudget::new(limit)?));
    let app = app(args, &sandbox, Some(budget.clone()), None)?;
    let per_account = u64::from(args.rate_limit) * args.windows * args.batch_size as u64;

    // Every account's work is in the outbox before the dispatcher starts,
    // interleaved so that the accounts' oldest rows are as old.
    let mut rows = Vec::new();
    let mut next = 0;
    for _ in 0..per_account {
        for account in 1..=args.accounts {
            rows.push(encode_event(account, &pet_event::pet_adopted(next))?);
            next += 1;
        }
    }
    for chunk in rows.chunks(1_000) {
        opened.outbox.enqueue(chunk, SystemTime::now()).await?;
    }
    let outcomes = Arc::new(Outcomes::default());
    let load = load();
    let started = Instant::now();
    let cpu_before = usage::cpu_time();
    let server_cpu_before = usage::process_cpu_time(sandbox.pid());
    let dispatcher = Dispatcher::builder_shared(app, Arc::clone(&opened.outbox))
        .batch_size(args.batch_size)
        .linger(args.linger)
        .batches_per_account(args.batches_per_account)
        .max_undelivered(next.max(1))
        .sink(sink(&outcomes))
        .spawn()?;
    dispatcher.flush().await?;
    let elapsed = started.elapsed();
    let cpu = usage::cpu_time().saturating_sub(cpu_before);
    let server_cpu = usage::process_cpu_time(sandbox.pid()).zip(server_cpu_before).map(|(end, start)| end - start);
    let (delivered, retried, dead) = outcomes.counts();
    dispatcher.shutdown(Duration::from_secs(5)).await.expect("the dispatcher stops");

    let stats = stats(&sandbox).await?;
    println!(
        "outbox          {} (load {load} at the start); batch size {}, {} batches per account per round",
        kind.name(),
        args.batch_size,
        args.batches_per_account
    );
    println!("events          {next} enqueued, {delivered} delivered, {retried} retried, {dead} dead");
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

async fn quiet(args: &Args, pg: Option<&PgServer>) -> Result<(), Box<dyn Error>> {
    let kind = args.outboxes[0];
    let sandbox = registered_sandbox(args)?;
    let opened = outboxes::open(kind, pg, "bench_quiet", args.pg_connections).await?;
    let budget = Arc::new(LocalRateBudget::new(RateLimit::new(args.rate_limit, args.rate_window))?);
    let app = app(args, &sandbox, Some(budget), None)?;
    let outcomes = Arc::new(Outcomes::with_times());
    let dispatcher = Dispatcher::builder_shared(app, Arc::clone(&opened.outbox))
        .batch_size(args.batch_size)
        .linger(args.linger)
        .batches_per_account(args.batches_per_account)
        .sink(sink(&outcomes))
        .spawn()?;

    // Every 10 ms, rate / 100 events: the even ones to account 1, the odd
    // ones to the others in turn; each emitted from a task of its own.
    let emitted: Arc<Mutex<HashMap<String, (u64, Instant)>>> = Arc::default();
    let per_tick = (args.rate / 100).max(1);
    let ticks = args.seconds * 100;
    let quiet_accounts = args.accounts - 1;
    let load = load();
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    let mut interval = tokio::time::interval(Duration::from_millis(10));
    let mut n = 0;
    for _ in 0..ticks {
        interval.tick().await;
        for _ in 0..per_tick {
            let account = if n % 2 == 0 { 1 } else { 2 + (n / 2) % quiet_accounts };
            let event = pet_event::pet_adopted(n);
            n += 1;
            let (dispatcher, emitted) = (dispatcher.clone(), Arc::clone(&emitted));
            tasks.spawn(async move {
                let at = Instant::now();
                let done = dispatcher.emit(account, &event).await?;
                emitted.lock().unwrap_or_else(|p| p.into_inner()).insert(done.key.event_id, (account, at));
                Ok::<_, dispatch::Error>(())
            });
        }
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    let emitting = started.elapsed();
    dispatcher.flush().await?;
    let elapsed = started.elapsed();
    let (delivered, retried, dead) = outcomes.counts();
    dispatcher.shutdown(Duration::from_secs(5)).await.expect("the dispatcher stops");
    let stats = stats(&sandbox).await?;

    let times = outcomes.take_times();
    let emitted = std::mem::take(&mut *emitted.lock().unwrap_or_else(|p| p.into_inner()));
    let (mut busy, mut quiet) = (Vec::new(), Vec::new());
    let mut missing = 0;
    for (id, (account, at)) in &emitted {
        match times.get(id) {
            Some(delivered_at) => {
                let delay = delivered_at.saturating_duration_since(*at);
                if *account == 1 { busy.push(delay) } else { quiet.push(delay) }
            }
            None => missing += 1,
        }
    }
    println!("outbox          {} (load {load} at the start)", kind.name());
    println!(
        "accounts        1 busy (account 1) and {quiet_accounts} quiet; {} per {} ms each, batch size {}, linger {} ms",
        args.rate_limit,
        args.rate_window.as_millis(),
        args.batch_size,
        args.linger.as_millis()
    );
    println!(
        "traffic         {} events/s for {} s ({:.1} s taken): half to account 1 (its allowance is {} events/s), \
         half to the others",
        args.rate,
        args.seconds,
        emitting.as_secs_f64(),
        f64::from(args.rate_limit) * args.batch_size as f64 / args.rate_window.as_secs_f64()
    );
    println!(
        "events          {n} emitted, {delivered} delivered, {retried} retried, {dead} dead, {missing} without a \
         delivery time; {:.1} s to the end of the flush",
        elapsed.as_secs_f64()
    );
    println!("requests        {} ({} answered 429)", stats.requests, stats.status_count(429));
    println!("goal            quiet p99 within linger + window = {} ms", (args.linger + args.rate_window).as_millis());
    for (label, delays) in [("quiet accounts", &mut quiet), ("busy account", &mut busy)] {
        delays.sort_unstable();
        let at = |share: f64| {
            let index = ((delays.len() as f64 * share) as usize).min(delays.len().saturating_sub(1));
            delays.get(index).map_or(f64::NAN, |delay| delay.as_secs_f64() * 1e3)
        };
        println!(
            "{label:<15} {} events: emit → delivered p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            delays.len(),
            at(0.5),
            at(0.99),
            delays.last().map_or(f64::NAN, |delay| delay.as_secs_f64() * 1e3)
        );
    }
    Ok(())
}

/// One reading of this process's memory and the outbox's rows, printed as
/// it is taken (a run that is stopped early still shows its readings).
async fn reading(label: &str, emitted: u64, outbox: &dyn Outbox) -> Result<(), Box<dyn Error + Send + Sync>> {
    let counts = outbox.counts().await?;
    let mib = |kib: u64| kib as f64 / 1024.0;
    let heap_mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{label:<34} {emitted:>9} {:>9} {:>9.1} {:>9.1} {:>10.1} {:>10.1}",
        counts.pending + counts.claimed,
        mib(usage::status_kib("VmRSS").unwrap_or(0)),
        mib(usage::status_kib("VmHWM").unwrap_or(0)),
        heap_mib(heap::live_bytes()),
        heap_mib(heap::peak_bytes())
    );
    Ok(())
}

async fn memory(args: &Args, pg: Option<&PgServer>) -> Result<(), Box<dyn Error>> {
    let kind = args.outboxes[0];
    // Every request answered 503, so every event stays pending; no limit,
    // no client retry, and an hour before an event's next attempt (HubSpot
    // down), so each is tried once while the events are counted.
    let refuse = ["--fault".to_owned(), "503=1".to_owned()];
    let sandbox = SandboxProcess::start(&args.sandbox_bin, &args.templates, 0, args.rate_window, &refuse)?;
    let opened = outboxes::open(kind, pg, "bench_memory", args.pg_connections).await?;
    let app = app(args, &sandbox, None, Some(RetryPolicy::default().with_max_attempts(1)))?;
    let outcomes = Arc::new(Outcomes::default());
    let dispatcher = Dispatcher::builder_shared(app, Arc::clone(&opened.outbox))
        .batch_size(args.batch_size)
        .linger(args.linger)
        .batches_per_account(args.batches_per_account)
        .max_undelivered(args.events + 1)
        .retry_backoff(RetryPolicy::default().with_initial_backoff(HOUR).with_max_backoff(HOUR))
        .sink(sink(&outcomes))
        .spawn()?;
    let outbox = Arc::clone(&opened.outbox);
    let checkpoints: Vec<u64> =
        [1, 10, 20, 50, 100].iter().map(|percent| args.events * percent / 100).filter(|&at| at > 0).collect();
    println!(
        "outbox          {} (load {} at the start); {} events from {} tasks over {} accounts; the sandbox answers \
         every request 503",
        kind.name(),
        load(),
        args.events,
        args.tasks,
        args.accounts
    );
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "point", "emitted", "waiting", "RSS MiB", "HWM MiB", "heap MiB", "heap peak"
    );
    reading("before", 0, outbox.as_ref()).await.map_err(|e| e.to_string())?;
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..args.tasks {
        let (dispatcher, outbox) = (dispatcher.clone(), Arc::clone(&outbox));
        let (next, done, checkpoints) = (Arc::clone(&next), Arc::clone(&done), checkpoints.clone());
        let (events, accounts) = (args.events, args.accounts);
        tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= events {
                    return Ok::<_, Box<dyn Error + Send + Sync>>(());
                }
                dispatcher.emit(spread(n, accounts), &pet_event::pet_adopted(n)).await?;
                let emitted = done.fetch_add(1, Ordering::Relaxed) + 1;
                if checkpoints.contains(&emitted) {
                    let label = format!("emitted, at {:.1} s", started.elapsed().as_secs_f64());
                    reading(&label, emitted, outbox.as_ref()).await?;
                }
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined?.map_err(|e| e.to_string())?;
    }
    tokio::time::sleep(args.hold).await;
    let label = format!("{} s after the last emit", args.hold.as_secs());
    reading(&label, args.events, outbox.as_ref()).await.map_err(|e| e.to_string())?;
    let (delivered, retried, dead) = outcomes.counts();
    let stats = stats(&sandbox).await?;
    let report = dispatcher.shutdown(Duration::from_secs(1)).await.expect("the dispatcher stops");
    println!(
        "attempts        {retried} retried, {delivered} delivered, {dead} dead; sandbox {} requests ({} answered 503)",
        stats.requests,
        stats.status_count(503)
    );
    println!("stopped         {:?}", report.outbox);
    Ok(())
}

/// Calls and their summed time, for the mean over an interval.
#[derive(Default)]
struct CallTimes {
    calls: AtomicU64,
    nanos: AtomicU64,
}

async fn flow(args: &Args, pg: Option<&PgServer>) -> Result<(), Box<dyn Error>> {
    let sandbox = SandboxProcess::start(&args.sandbox_bin, &args.templates, 0, args.rate_window, &[])?;
    println!(
        "events          {} per outbox over {} accounts, {} per second from {} tasks; retention {} s",
        args.events,
        args.accounts,
        args.rate,
        args.tasks,
        args.retention.as_secs()
    );
    for &kind in &args.outboxes {
        flow_once(args, &sandbox, pg, kind).await?;
    }
    Ok(())
}

async fn flow_once(
    args: &Args,
    sandbox: &SandboxProcess,
    pg: Option<&PgServer>,
    kind: Kind,
) -> Result<(), Box<dyn Error>> {
    let opened = outboxes::open(kind, pg, "bench_flow", args.pg_connections).await?;
    let outcomes = Arc::new(Outcomes::default());
    let dispatcher = Dispatcher::builder_shared(app(args, sandbox, None, None)?, Arc::clone(&opened.outbox))
        .batch_size(args.batch_size)
        .linger(args.linger)
        .batches_per_account(args.batches_per_account)
        .retention(args.retention)
        .sink(sink(&outcomes))
        .spawn()?;
    let outbox = Arc::clone(&opened.outbox);
    println!("\noutbox          {} (load {} at the start)", kind.name(), load());
    println!(
        "{:>7} {:>9} {:>9} {:>10} {:>9} {:>9} {:>10} {:>12}",
        "at s", "emitted", "waiting", "delivered", "kept", "RSS MiB", "heap MiB", "emit us mean"
    );
    let step = (args.events / 10).max(1);
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let times = Arc::new(CallTimes::default());
    let started = Instant::now();
    let cpu_before = usage::cpu_time();
    let mut tasks = JoinSet::new();
    for _ in 0..args.tasks {
        let (dispatcher, outbox, outcomes) = (dispatcher.clone(), Arc::clone(&outbox), Arc::clone(&outcomes));
        let (next, done, times) = (Arc::clone(&next), Arc::clone(&done), Arc::clone(&times));
        let (events, accounts, rate) = (args.events, args.accounts, args.rate as f64);
        tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= events {
                    return Ok::<_, Box<dyn Error + Send + Sync>>(());
                }
                // Event n goes out n / rate seconds after the start.
                let due = started + Duration::from_secs_f64(n as f64 / rate);
                tokio::time::sleep_until(due.into()).await;
                let call = Instant::now();
                dispatcher.emit(spread(n, accounts), &pet_event::pet_adopted(n)).await?;
                times.nanos.fetch_add(call.elapsed().as_nanos() as u64, Ordering::Relaxed);
                times.calls.fetch_add(1, Ordering::Relaxed);
                let emitted = done.fetch_add(1, Ordering::Relaxed) + 1;
                if emitted % step == 0 {
                    // The mean of the calls since the last reading.
                    let calls = times.calls.swap(0, Ordering::Relaxed).max(1);
                    let mean_us = times.nanos.swap(0, Ordering::Relaxed) as f64 / calls as f64 / 1e3;
                    let counts = outbox.counts().await?;
                    println!(
                        "{:>7.1} {emitted:>9} {:>9} {:>10} {:>9} {:>9.1} {:>10.1} {:>12.1}",
                        started.elapsed().as_secs_f64(),
                        counts.pending + counts.claimed,
                        outcomes.counts().0,
                        counts.delivered,
                        usage::status_kib("VmRSS").unwrap_or(0) as f64 / 1024.0,
                        heap::live_bytes() as f64 / (1024.0 * 1024.0),
                        mean_us
                    );
                }
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined?.map_err(|e| e.to_string())?;
    }
    dispatcher.flush().await?;
    let elapsed = started.elapsed();
    let cpu = usage::cpu_time().saturating_sub(cpu_before);
    let (delivered, _, dead) = outcomes.counts();
    dispatcher.shutdown(Duration::from_secs(5)).await.expect("the dispatcher stops");
    println!(
        "done            {delivered} delivered, {dead} dead in {:.1} s ({:.0} events/s, {:.1} us of CPU per event); \
         peak RSS {:.1} MiB",
        elapsed.as_secs_f64(),
        args.events as f64 / elapsed.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / args.events as f64,
        usage::status_kib("VmHWM").unwrap_or(0) as f64 / 1024.0
    );
    if delivered != args.events || dead > 0 {
        return Err(format!("{} outbox: {delivered} of {} delivered, {dead} dead", kind.name(), args.events).into());
    }
    Ok(())
}
