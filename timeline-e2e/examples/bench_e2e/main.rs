//! End-to-end benchmark: `send_all` of N derived events to `timeline-sandbox`
//! (run as a child process) over loopback, measuring events/s, requests,
//! this process's CPU time per event and its peak RSS, and, with a rate
//! limit, how much of the allowed request rate the client uses.
//!
//! ```text
//! cargo build --release -p timeline-sandbox
//! cargo run --release --example bench_e2e -- --events 100000
//! cargo run --release --example bench_e2e -- --events 1000000 --drop-created
//! cargo run --release --example bench_e2e -- --events 55000 --rate-limit 110 --rate-window-ms 1000
//! ```
//!
//! The last line of output is `RESULT {json}` for `benches/run-peers.sh`.

mod args;

use std::error::Error;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use timeline_e2e::{pacing, pet_event, sandbox_process, usage};

use hubspot_timeline::budget::RateLimit;
use hubspot_timeline::{Client, SendAll};
use timeline_sandbox::Stats;

use args::Args;
use sandbox_process::SandboxProcess;

const ACCESS_TOKEN: &str = "bench-access-token";

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let sandbox = SandboxProcess::start(&args.sandbox_bin, &args.templates, args.rate_limit, args.rate_window, &[])?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let measured = runtime.block_on(run(&args, &sandbox))?;
    measured.print(&args);
    Ok(())
}

/// What one run measured.
struct Measured {
    elapsed: Duration,
    cpu: Duration,
    /// The sandbox's CPU time while the events were sent.
    server_cpu: Option<Duration>,
    peak_rss_kib: u64,
    rss_before_kib: u64,
    created: usize,
    failed: usize,
    stats: Stats,
    /// When each request was answered (recorded only with a rate limit).
    answers: Vec<Instant>,
}

async fn run(args: &Args, sandbox: &SandboxProcess) -> Result<Measured, Box<dyn Error>> {
    let url = sandbox.url();
    let client = Client::builder()
        .access_token(ACCESS_TOKEN)
        .base_url(url)
        .batch_size(args.batch_size)
        .max_in_flight(args.in_flight)
        .rate_limit(match args.rate_limit {
            0 => RateLimit::new(u32::MAX, Duration::from_millis(1)),
            max => RateLimit::new(max, args.rate_window),
        })
        .build()?;
    let inspector = reqwest::Client::new();
    let stats_url = format!("{url}/_sandbox/stats");
    let answers: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = Arc::clone(&answers);
    let (paced, batch_size) = (args.rate_limit > 0, args.batch_size);

    let rss_before_kib = usage::status_kib("VmRSS").unwrap_or(0);
    let cpu_before = usage::cpu_time();
    let server_cpu_before = usage::process_cpu_time(sandbox.pid());
    let started = Instant::now();
    let report = (0..args.events)
        .map(pet_event::pet_adopted)
        .send_all(&client)
        .keep_created(args.keep_created)
        .on_outcome(move |outcome| {
            if paced && outcome.index() % batch_size == 0 {
                seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(Instant::now());
            }
        })
        .await?;
    let elapsed = started.elapsed();
    let cpu = usage::cpu_time().saturating_sub(cpu_before);
    let server_cpu = usage::process_cpu_time(sandbox.pid()).zip(server_cpu_before).map(|(end, start)| end - start);
    let peak_rss_kib = usage::status_kib("VmHWM").unwrap_or(0);

    let stats: Stats = serde_json::from_slice(&inspector.get(&stats_url).send().await?.bytes().await?)?;
    let answers = std::mem::take(&mut *answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    let (created, failed) = (report.created_count(), report.failed_count());
    drop(report);
    Ok(Measured { elapsed, cpu, server_cpu, peak_rss_kib, rss_before_kib, created, failed, stats, answers })
}

impl Measured {
    fn print(&self, args: &Args) {
        let events = args.events as f64;
        let events_per_s = events / self.elapsed.as_secs_f64();
        let cpu_us_per_event = self.cpu.as_secs_f64() * 1e6 / events;
        let rate_limited = self.stats.status_count(429);
        let accepted = self.stats.status_count(201) + self.stats.status_count(207);
        println!("events          {}", args.events);
        println!("created/failed  {} / {}", self.created, self.failed);
        println!("batch size      {} ({} in flight)", args.batch_size, args.in_flight);
        println!("elapsed         {:.3} s", self.elapsed.as_secs_f64());
        println!("events/s        {events_per_s:.0}");
        println!("requests        {} ({} answered 429)", self.stats.requests, rate_limited);
        println!("client CPU      {:.3} s, {cpu_us_per_event:.2} us/event", self.cpu.as_secs_f64());
        let server_cpu_us_per_event = self.server_cpu.map(|cpu| cpu.as_secs_f64() * 1e6 / events);
        if let Some(per_event) = server_cpu_us_per_event {
            println!("sandbox CPU     {per_event:.2} us/event");
        }
        println!(
            "peak RSS        {:.1} MiB (before sending {:.1} MiB)",
            mib(self.peak_rss_kib),
            mib(self.rss_before_kib)
        );
        let steady = pacing::steady_share(&self.answers, args.rate_limit, args.rate_window);
        let whole_run = pacing::whole_run_share(&self.answers, accepted, args.rate_limit, args.rate_window);
        if let (Some(steady), Some(whole_run)) = (steady, whole_run) {
            println!(
                "pacing          {:.1}% of the allowed {} per {} ms in steady state, {:.1}% over the whole run",
                steady * 100.0,
                args.rate_limit,
                args.rate_window.as_millis(),
                whole_run * 100.0
            );
        }
        let result = serde_json::json!({
            "client": "hubspot-timeline",
            "events": args.events,
            "created": self.created,
            "failed": self.failed,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "events_per_s": events_per_s,
            "requests": self.stats.requests,
            "status_429": rate_limited,
            "cpu_s": self.cpu.as_secs_f64(),
            "cpu_us_per_event": cpu_us_per_event,
            "server_cpu_us_per_event": server_cpu_us_per_event,
            "peak_rss_mib": mib(self.peak_rss_kib),
            "pacing_share": steady,
            "pacing_whole_run": whole_run,
        });
        println!("RESULT {result}");
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
