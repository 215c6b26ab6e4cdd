//! Why a definition file could not be read.

use std::fmt;
use std::path::PathBuf;

/// Why a definition file (or a folder of them) could not be used.
///
/// ```
/// let error = timeline_template::definition::parse(r#"{"id": "12", "name": "x"}"#).unwrap_err();
/// assert!(matches!(error, timeline_template::Error::Malformed { path: None, .. }));
/// assert!(error.to_string().contains("missing field `objectType`"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The file or folder could not be read.
    Unreadable {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The text is not a definition of either kind.
    Malformed {
        /// The file, when the text was read from one.
        path: Option<PathBuf>,
        /// What is wrong with it.
        reason: String,
    },
    /// An app-event definition was used where a numeric template id is
    /// needed, and none was given.
    NoTemplateId {
        /// The definition's `uid`.
        uid: String,
    },
}

impl Error {
    /// A malformed text, read from no file.
    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        Error::Malformed { path: None, reason: reason.into() }
    }

    /// The same error, naming `path` as the file it comes from.
    pub fn in_file(self, path: impl Into<PathBuf>) -> Self {
        match self {
            Error::Malformed { reason, .. } => Error::Malformed { path: Some(path.into()), reason },
            other => other,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unreadable { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Malformed { path, reason } => {
                match path {
                    Some(path) => write!(f, "{}", path.display())?,
                    None => f.write_str("the text")?,
                }
                write!(
                    f,
                    " is not a timeline event template definition: {reason}; expected the JSON of HubSpot's \
                     get-template endpoint (`id`, `name`, `objectType`, `tokens`) or an app-event `*-hsmeta.json` \
                     file (`uid`, `type`, `config`)"
                )
            }
            Error::NoTemplateId { uid } => {
                write!(f, "app-event definition `{uid}` has no numeric template id; give the template id it stands for")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Unreadable { source, .. } => Some(source),
            _ => None,
        }
    }
}
