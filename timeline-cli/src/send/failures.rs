//! The failures file: one JSON object per failed line, with its reason.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use timeline_core::FailureReason;

use crate::error::CliError;

/// One failed line.
#[derive(Debug, Serialize)]
pub struct FailedLine<'a> {
    /// Its line number (1-based).
    pub line: u64,
    /// The id it was sent with, if it got that far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    /// The kind of failure, such as `template_mismatch` or `rejected`.
    pub kind: &'static str,
    /// What went wrong.
    pub reason: String,
    /// Whether HubSpot may have stored it anyway (sending it again is safe:
    /// it keeps its id).
    #[serde(rename = "mayHaveLanded")]
    pub may_have_landed: bool,
    /// The line as it was.
    pub event: &'a str,
}

/// The kind of a failure, for the failures file.
pub fn kind(reason: &FailureReason) -> &'static str {
    match reason {
        FailureReason::Encoding(_) => "encoding",
        FailureReason::TooLarge { .. } => "too_large",
        FailureReason::TemplateMismatch { .. } => "template_mismatch",
        FailureReason::Validation { .. } => "validation",
        FailureReason::Rejected { .. } => "rejected",
        FailureReason::RateLimited { .. } => "rate_limited",
        FailureReason::Server { .. } => "server",
        FailureReason::Transport { .. } => "transport",
        FailureReason::ResponseUnreadable { .. } => "response_unreadable",
        FailureReason::DuplicateId { .. } => "duplicate_id",
        FailureReason::NotSent { .. } => "not_sent",
        FailureReason::InFlight { .. } => "in_flight",
        _ => "other",
    }
}

/// The failures file, open for appending.
#[derive(Debug)]
pub struct FailureLog {
    path: PathBuf,
    file: File,
    bytes: u64,
}

impl FailureLog {
    /// Opens `path`, cut back to `keep_bytes` (what the checkpoint vouches for).
    pub fn open(path: &Path, keep_bytes: u64) -> Result<FailureLog, CliError> {
        let file =
            OpenOptions::new().create(true).append(true).truncate(false).open(path).map_err(CliError::io(path))?;
        file.set_len(keep_bytes).map_err(CliError::io(path))?;
        Ok(FailureLog { path: path.to_owned(), file, bytes: keep_bytes })
    }

    /// Appends one failed line.
    pub fn record(&mut self, failed: &FailedLine<'_>) -> Result<(), CliError> {
        let mut text = serde_json::to_string(failed).unwrap_or_default();
        text.push('\n');
        self.file.write_all(text.as_bytes()).map_err(CliError::io(&self.path))?;
        self.bytes += text.len() as u64;
        Ok(())
    }

    /// Flushes to disk and returns the file's length.
    pub fn sync(&mut self) -> Result<u64, CliError> {
        self.file.sync_data().map_err(CliError::io(&self.path))?;
        Ok(self.bytes)
    }
}
