//! [`Error`]: why a relay could not be set up.

use std::path::PathBuf;

/// Why a relay could not be set up: its tokens file, its definition files,
/// its HTTP client or its dispatcher.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The tokens file is unreadable or not in its format.
    #[error("{}: {problem}", path.display())]
    Tokens {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A template or app-event definition file is unreadable, invalid, or
    /// names an event type another file names too.
    #[error("{0}")]
    EventTypes(String),
    /// The HTTP client of forwarded requests could not be made.
    #[error("the HTTP client of forwarded requests could not be made: {0}")]
    HttpClient(String),
    /// The console's tokens are not usable.
    #[error("the console: {0}")]
    Console(String),
    /// The Prometheus recorder could not be installed.
    #[error("metrics: {0}")]
    Metrics(String),
    /// The dispatcher did not start.
    #[error(transparent)]
    Dispatch(#[from] timeline_dispatch::Error),
}
