//! The checkpoint of a `send`: how far it got, written atomically after
//! every chunk of lines whose outcomes are all known.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// How far a `send` got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// The template the events are sent with.
    pub template_id: String,
    /// Lines done: each was stored, or written to the failures file.
    pub lines: u64,
    /// The byte offset in the events file where the next line starts.
    pub offset: u64,
    /// The failures file's length at this point; anything after it is from an unfinished chunk.
    pub failures_bytes: u64,
    /// Events stored so far.
    pub created: u64,
    /// Lines failed so far.
    pub failed: u64,
}

impl Checkpoint {
    /// The checkpoint at `path`, or `None` when there is none yet.
    pub fn load(path: &Path) -> Result<Option<Checkpoint>, CliError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|error| CliError::Checkpoint {
                path: path.to_owned(),
                reason: format!("unreadable ({error})"),
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(CliError::Io { path: path.to_owned(), error }),
        }
    }

    /// Writes the checkpoint to `path` atomically (a temporary file, then a rename).
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let mut temporary = PathBuf::from(path);
        temporary.as_mut_os_string().push(".tmp");
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        std::fs::write(&temporary, text).map_err(CliError::io(&temporary))?;
        std::fs::rename(&temporary, path).map_err(CliError::io(path))
    }
}
