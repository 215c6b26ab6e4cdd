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
//! The library itself is empty.
