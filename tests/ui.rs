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

#[rustversion::attr(not(stable(1.95)), ignore = "compiler messages are pinned to stable 1.95")]
#[test]
fn ui() {
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/templates");
    // SAFETY: this is the only test of this binary, so no other thread reads
    // the environment while it is written.
    unsafe { std::env::set_var("TIMELINE_TEMPLATE_DIR", templates) };
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
