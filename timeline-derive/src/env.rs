//! The environment variables the derive reads, all through [`var`].
//!
//! Generated code repeats them with `option_env!`, so that cargo rebuilds a
//! crate whose template folder changes.

/// Overrides the folder template files are resolved against.
pub const TEMPLATE_DIR: &str = "TIMELINE_TEMPLATE_DIR";

/// The folder of the crate being compiled, set by cargo.
pub const MANIFEST_DIR: &str = "CARGO_MANIFEST_DIR";

/// The value of `name`, or `None` when it is unset or empty.
#[allow(clippy::disallowed_methods)]
pub fn var(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|value| !value.is_empty())
}
