//! A type of an optional feature (`uuid`, `time`, `rust_decimal`) used
//! while that feature is off fails to build with a note naming the feature.
//!
//! The cases build against hubspot-timeline with its default features off
//! (this crate's dev-dependency), which the root crate's UI tests cannot do:
//! they turn those features on. The expected output is rustc's, pinned to
//! the toolchain it was written with; regenerate with
//! `TRYBUILD=overwrite cargo test -p timeline-derive --test features_off`.

#[rustversion::attr(not(stable(1.95)), ignore = "compiler messages are pinned to stable 1.95")]
#[test]
fn feature_types_without_their_feature() {
    trybuild::TestCases::new().compile_fail("tests/features_off/*.rs");
}
