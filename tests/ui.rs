//! Compile-time behaviour of the derives: accepted shapes build, and each
//! mistake gives the error in its `.stderr` file.
//!
//! The expected output is rustc's, so it is pinned to the toolchain it was
//! written with; regenerate with `TRYBUILD=overwrite cargo test --test ui`
//! and review the diff.

#[rustversion::attr(not(stable(1.95)), ignore = "compiler messages are pinned to stable 1.95")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
