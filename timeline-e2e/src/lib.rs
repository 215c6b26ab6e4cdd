//! End-to-end drivers of hubspot-timeline, apart from the library so that
//! their heavy dependencies (criterion, sqlx, redis, the throwaway servers)
//! stay out of what a newcomer's first command compiles:
//!
//! - `examples/bench_*`: the benchmark drivers of `BENCHMARKS.md`
//!   (`cargo run --release -p timeline-e2e --example bench_e2e -- …`);
//! - `benches/encode.rs`: the criterion benchmark of the encoder
//!   (`cargo bench -p timeline-e2e --bench encode`);
//! - `tests/`: the tests that run `examples/service` as a process, against
//!   throwaway Postgres and Redis servers (`cargo test -p timeline-e2e`).
//!
//! The library holds what the drivers share: the event they send
//! ([`pet_event`]), the sandbox as a child process ([`sandbox_process`]),
//! CPU and memory readings ([`usage`], [`heap`]), the share of a rate limit
//! a run used and its summary ([`pacing`], [`answers`]), and the options
//! their command lines have in common ([`SandboxArgs`]).

use std::path::PathBuf;
use std::time::Duration;

pub mod answers;
pub mod heap;
pub mod pacing;
pub mod pet_event;
pub mod sandbox_process;
pub mod usage;

/// `timeline-sandbox` in the running driver's target directory: a driver
/// runs from `target/<profile>/examples/`.
pub fn default_sandbox_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe.parent().and_then(|examples| examples.parent()).map(PathBuf::from).unwrap_or_default();
    profile_dir.join("timeline-sandbox")
}

/// The templates the drivers' sandbox loads: `benches/templates`.
pub fn templates_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/templates"))
}

/// The command-line options of every driver that starts a sandbox: its
/// binary, its templates and the accounts' rate limit. A driver flattens
/// them into its own options (`#[command(flatten)]`) and gives the limit's
/// defaults.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Each account's requests per window [default: the part's]
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    /// The rolling window of the rate limit, in milliseconds [default: the part's]
    #[arg(long = "rate-window-ms", value_name = "MS")]
    pub rate_window_ms: Option<u64>,
    /// The `timeline-sandbox` binary
    #[arg(long, value_name = "PATH", default_value_os_t = default_sandbox_bin())]
    pub sandbox_bin: PathBuf,
    /// The directory of templates the sandbox loads
    #[arg(long, value_name = "DIR", default_value_os_t = templates_dir())]
    pub templates: PathBuf,
}

impl SandboxArgs {
    /// The rate limit given, or `default`.
    pub fn rate_limit_or(&self, default: u32) -> u32 {
        self.rate_limit.unwrap_or(default)
    }

    /// The window given, or `default`.
    pub fn rate_window_or(&self, default: Duration) -> Duration {
        self.rate_window_ms.map_or(default, Duration::from_millis)
    }
}
