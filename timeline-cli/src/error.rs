//! What stops a command.

use std::path::PathBuf;

/// Why a command could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The client could not be set up or a call failed.
    #[error(transparent)]
    Client(#[from] timeline_core::Error),
    /// A template file could not be used.
    #[error(transparent)]
    TemplateFile(#[from] timeline_core::TemplateFileError),
    /// A file could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The arguments do not fit together.
    #[error("{0}")]
    Usage(String),
    /// A checkpoint cannot be resumed from.
    #[error("checkpoint {}: {reason}; pass --restart to send the events file again from line 1", path.display())]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What does not match.
        reason: String,
    },
    /// The events file is not the one its checkpoint was written for.
    #[error(
        "{} changed since its checkpoint was written: {change}; pass --restart to send it again from line 1 \
         (with a new failures file)",
        events.display()
    )]
    EventsChanged {
        /// The events file.
        events: PathBuf,
        /// What changed.
        change: String,
    },
    /// HubSpot cannot take more now (the daily limit, an outage): the run
    /// stopped, its checkpoint before the lines not yet sent.
    #[error("{0}")]
    Halted(String),
    /// A push asks for changes HubSpot refuses; nothing was written.
    #[error("nothing was pushed: {}", .0.join("; "))]
    PushRefused(Vec<String>),
    /// An outbox could not be opened, read or changed.
    #[error(transparent)]
    Outbox(#[from] timeline_dispatch::Error),
    /// The relay could not be set up.
    #[error(transparent)]
    Relay(#[from] timeline_relay::Error),
    /// A service the command keeps its state in (a token store's database,
    /// a Redis budget) could not be reached or prepared.
    #[error("{option}: {problem}")]
    Backend {
        /// The option naming it, such as `--token-store`.
        option: &'static str,
        /// What failed.
        problem: String,
    },
    /// The sandbox could not start.
    #[error("the sandbox could not start: {0}")]
    Sandbox(#[from] timeline_sandbox::StartError),
}

impl CliError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CliError {
        let path = path.into();
        move |error| CliError::Io { path, error }
    }
}
