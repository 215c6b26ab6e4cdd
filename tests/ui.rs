//! Compile-time behaviour of the derives: accepted shapes build, and each
//! mistake gives the error in its `.stderr` file.
//!
//! The expected output is rustc's, so it is pinned to the toolchain it was
//! written with; regenerate with `TRYBUILD=overwrite cargo test --test ui`
//! and review the diff.
//!
//! Template definition files are in `tests/ui/templates`. Under trybuild
//! `CARGO_MANIFEST_DIR` is trybuild's own project folder, so the test points
//! `TIMELINE_TEMPLATE_DIR` there; the UI cases name their files relative to it.

use std::path::Path;
use std::process::Command;

/// The stable release the expected compiler messages were written with.
const PINNED_RUSTC: &str = "1.95.";

/// Whether the compiler the cases build with is the pinned stable release
/// (`RUSTC`, as Cargo gives it, else `rustc`).
fn pinned_compiler() -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc).arg("--version").output().map(|output| output.stdout).unwrap_or_default();
    // `rustc 1.95.0 (…)`; a beta or nightly says `1.95.0-beta.3`.
    let version = String::from_utf8_lossy(&version);
    version.split_whitespace().nth(1).is_some_and(|number| number.starts_with(PINNED_RUSTC) && !number.contains('-'))
}

#[test]
fn ui() {
    if !pinned_compiler() {
        eprintln!("skipped: the compiler messages are pinned to stable {PINNED_RUSTC}x");
        return;
    }
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/templates");
    // SAFETY: this is the only test of this binary, so no other thread reads
    // the environment while it is written.
    unsafe { std::env::set_var("TIMELINE_TEMPLATE_DIR", templates) };
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
