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
//! a run used ([`pacing`], [`answers`]), and reading their command lines.

use std::path::PathBuf;

pub mod answers;
pub mod heap;
pub mod pacing;
pub mod pet_event;
pub mod sandbox_process;
pub mod usage;

/// `value` of the command-line option `flag` as a number, or a message
/// naming both.
///
/// ```
/// assert_eq!(timeline_e2e::number::<u32>("--events", "20000"), Ok(20_000));
/// assert!(timeline_e2e::number::<u32>("--events", "many").unwrap_err().contains("--events"));
/// ```
pub fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{flag} expects a number, not `{value}`"))
}

/// `timeline-sandbox` in the running driver's target directory: a driver
/// runs from `target/<profile>/examples/`.
pub fn default_sandbox_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe.parent().and_then(|examples| examples.parent()).map(PathBuf::from).unwrap_or_default();
    profile_dir.join("timeline-sandbox")
}
