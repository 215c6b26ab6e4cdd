//! Template definition files: `#[timeline(template = "…")]`.
//!
//! A file is either the JSON HubSpot's get-template endpoint returns (`id`,
//! `name`, `objectType`, `tokens`) or a developer-platform app-event
//! definition (`*-hsmeta.json`: `uid`, `type: "app-event"`, `config`). Both
//! are read into a [`Definition`] by `timeline-template`; [`load`] also resolves the path and
//! returns the file's canonical path, which generated code includes with
//! `include_bytes!` so that cargo rebuilds when the file changes.

use std::fmt;
use std::path::{Path, PathBuf};

use timeline_template::Definition;
use timeline_template::definition::read;

use crate::env;

/// A template definition file, read and parsed.
pub struct Template {
    /// The path as written in the attribute.
    pub written: String,
    /// The file's canonical absolute path.
    pub path: PathBuf,
    /// What the file defines.
    pub definition: Definition,
}

/// Why a template file could not be used.
#[derive(Debug)]
pub enum LoadError {
    /// The path is absolute.
    Absolute,
    /// Neither `TIMELINE_TEMPLATE_DIR` nor `CARGO_MANIFEST_DIR` is set.
    NoBaseDir,
    /// The file could not be found or read, or is not a definition.
    File(timeline_template::Error),
}

/// A [`LoadError`] with the path as written, for the error message.
pub struct LoadErrorMessage<'a> {
    error: &'a LoadError,
    written: &'a str,
}

impl LoadError {
    /// The error's message, naming the path as `written`.
    pub fn message<'a>(&'a self, written: &'a str) -> LoadErrorMessage<'a> {
        LoadErrorMessage { error: self, written }
    }
}

impl fmt::Display for LoadErrorMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let written = self.written;
        match self.error {
            LoadError::Absolute => write!(
                f,
                "template path `{written}` is absolute, so the crate would build only on this machine; write it \
                 relative to the crate's folder, e.g. `template = \"timeline/pet-adopted.json\"`, or set {} to the \
                 folder that holds the templates",
                env::TEMPLATE_DIR
            ),
            LoadError::NoBaseDir => write!(
                f,
                "cannot resolve template path `{written}`: neither {} nor {} is set; build with cargo, or set {} \
                 to the folder that holds the templates",
                env::TEMPLATE_DIR,
                env::MANIFEST_DIR,
                env::TEMPLATE_DIR
            ),
            LoadError::File(timeline_template::Error::Unreadable { path, source }) => write!(
                f,
                "cannot read template file `{written}` (resolved to {}): {source}; paths are relative to {}; save \
                 the template's definition (the JSON of HubSpot's get-template endpoint, or an app-event \
                 `*-hsmeta.json` file) there, or fix the path",
                path.display(),
                base_description()
            ),
            LoadError::File(timeline_template::Error::Malformed { path, reason }) => write!(
                f,
                "template file `{written}` (resolved to {}) is not a timeline event template definition: {reason}; \
                 expected the JSON of HubSpot's get-template endpoint (`id`, `name`, `objectType`, `tokens`) or \
                 an app-event `*-hsmeta.json` file (`uid`, `type`, `config`)",
                path.as_deref().unwrap_or(Path::new("")).display()
            ),
            LoadError::File(error) => write!(f, "template file `{written}`: {error}"),
        }
    }
}

/// Names the folder paths are resolved against, for messages.
fn base_description() -> String {
    match env::var(env::TEMPLATE_DIR) {
        Some(dir) => format!("{} ({})", env::TEMPLATE_DIR, Path::new(&dir).display()),
        None => format!("the crate's folder ({})", env::MANIFEST_DIR),
    }
}

/// Reads the template file `written`, resolved against the base folder the
/// environment gives.
pub fn load(written: &str) -> Result<Template, LoadError> {
    let base = base_dir()?;
    let path = resolve(written, &base)?;
    let definition = read(&path).map_err(LoadError::File)?;
    Ok(Template { written: written.to_owned(), path, definition })
}

/// `TIMELINE_TEMPLATE_DIR` (relative to the crate's folder if relative), or
/// else the crate's folder.
fn base_dir() -> Result<PathBuf, LoadError> {
    let manifest_dir = env::var(env::MANIFEST_DIR).map(PathBuf::from);
    match (env::var(env::TEMPLATE_DIR).map(PathBuf::from), manifest_dir) {
        (Some(dir), _) if dir.is_absolute() => Ok(dir),
        (Some(dir), Some(manifest_dir)) => Ok(manifest_dir.join(dir)),
        (_, Some(manifest_dir)) => Ok(manifest_dir),
        (_, None) => Err(LoadError::NoBaseDir),
    }
}

/// The canonical path of `written` under `base`; absolute paths are refused.
pub fn resolve(written: &str, base: &Path) -> Result<PathBuf, LoadError> {
    let relative = Path::new(written);
    if relative.is_absolute() || relative.has_root() {
        return Err(LoadError::Absolute);
    }
    let path = base.join(relative);
    path.canonicalize().map_err(|source| LoadError::File(timeline_template::Error::Unreadable { path, source }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_under_the_base_and_absolute_ones_are_refused() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR"));
        let resolved = resolve("src/../Cargo.toml", base).unwrap();
        assert_eq!(resolved, base.join("Cargo.toml").canonicalize().unwrap());
        assert!(resolved.is_absolute());
        assert!(matches!(resolve("/etc/hosts", base), Err(LoadError::Absolute)));
        match resolve("timeline/missing.json", base) {
            Err(LoadError::File(timeline_template::Error::Unreadable { path, .. })) => {
                assert_eq!(path, base.join("timeline/missing.json"))
            }
            other => panic!("{other:?}"),
        }
    }
}
