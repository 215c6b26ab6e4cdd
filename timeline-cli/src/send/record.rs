//! The last stage of `timeline send`: a chunk's failures written to the
//! failures file, then the checkpoint moved past the chunk, so that a run
//! that stops anywhere resumes after the last chunk whose every line is
//! stored or written down.

use std::path::{Path, PathBuf};

use super::checkpoint::Checkpoint;
use super::deliver::Delivered;
use super::encode::Origins;
use super::failures::{FailedLine, FailureLog, kind};
use super::source::Events;
use crate::error::CliError;

/// Where a run writes what became of its lines: the failures file and, for
/// a run that can be resumed, the checkpoint.
pub struct Ledger {
    checkpoint: Checkpoint,
    /// `None` for a run that keeps no checkpoint (standard input, a dry run).
    checkpoint_path: Option<PathBuf>,
    failures: FailureLog,
    failures_path: PathBuf,
    /// The line the run started at (0 for a fresh run).
    resumed_at: u64,
}

impl Ledger {
    /// The ledger of a run of template `template_id`: the checkpoint at
    /// `checkpoint_path` resumed unless `restart` (one for another template
    /// is refused), and the failures file cut back to what it vouches for.
    pub fn open(
        checkpoint_path: Option<PathBuf>,
        restart: bool,
        failures_path: PathBuf,
        template_id: &str,
    ) -> Result<Ledger, CliError> {
        let saved = match &checkpoint_path {
            Some(path) if !restart => Checkpoint::load(path)?,
            _ => None,
        };
        let checkpoint = match saved {
            Some(saved) if saved.template_id != template_id => {
                return Err(CliError::Checkpoint {
                    path: checkpoint_path.unwrap_or_default(),
                    reason: format!("it is for template {}, not {template_id}", saved.template_id),
                });
            }
            Some(saved) => saved,
            None => Checkpoint::start(template_id),
        };
        let failures = FailureLog::open(&failures_path, checkpoint.failures_bytes)?;
        let resumed_at = checkpoint.lines;
        Ok(Ledger { checkpoint, checkpoint_path, failures, failures_path, resumed_at })
    }

    /// How far the run got: at the start, where it resumes.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The checkpoint file, if the run keeps one.
    pub fn checkpoint_path(&self) -> Option<&Path> {
        self.checkpoint_path.as_deref()
    }

    /// The failures file.
    pub fn failures_path(&self) -> &Path {
        &self.failures_path
    }

    /// The line the run started at (0 for a fresh run).
    pub fn resumed_at(&self) -> u64 {
        self.resumed_at
    }

    /// Whether the next chunk is the first after a resume, which the
    /// stopped run may have sent already.
    pub fn next_chunk_may_be_resent(&self) -> bool {
        self.resumed_at > 0 && self.checkpoint.lines == self.resumed_at
    }

    /// Starts the run over `events`: says where a resumed run goes on, or
    /// writes a fresh run's first checkpoint, with the file's fingerprint.
    pub fn begin(&mut self, events: &Events) -> Result<(), CliError> {
        let Some(path) = &self.checkpoint_path else {
            return Ok(());
        };
        if self.resumed_at > 0 {
            let grown = events.fingerprint()?.size.saturating_sub(self.checkpoint.events.size);
            let appended = if grown > 0 {
                format!("; {grown} bytes were appended since, and are sent too")
            } else {
                String::new()
            };
            eprintln!("resuming after line {} ({}){appended}", self.resumed_at, path.display());
            Ok(())
        } else {
            self.checkpoint.events = events.fingerprint()?;
            self.checkpoint.save(path)
        }
    }

    /// Writes the failures of a chunk (its lines that are no event, then
    /// its inputs that were not stored) and moves the checkpoint past it,
    /// to where `events` stands.
    pub fn record(&mut self, origins: &Origins<'_>, delivered: &Delivered, events: &Events) -> Result<(), CliError> {
        for (line, reason) in &origins.unreadable {
            let text = line.text.as_deref().unwrap_or_default();
            self.failures.record(&FailedLine {
                line: line.number,
                id: None,
                kind: reason.kind(),
                reason: reason.to_string(),
                may_have_landed: false,
                event: text,
            })?;
        }
        for refused in &delivered.refused {
            let line = origins.lines[refused.index];
            self.failures.record(&FailedLine {
                line: line.number,
                id: refused.id.as_deref(),
                kind: kind(&refused.reason),
                reason: refused.reason.to_string(),
                may_have_landed: refused.may_have_landed,
                event: line.text.as_deref().unwrap_or_default(),
            })?;
        }
        self.checkpoint.lines = events.lines();
        self.checkpoint.offset = events.offset();
        self.checkpoint.failures_bytes = self.failures.sync()?;
        self.checkpoint.created += delivered.created;
        self.checkpoint.failed += (origins.unreadable.len() + delivered.refused.len()) as u64;
        if let Some(path) = &self.checkpoint_path {
            self.checkpoint.events = events.fingerprint()?;
            self.checkpoint.save(path)?;
        }
        Ok(())
    }

    /// The error of a run that stopped (`why`) before the chunk after the
    /// checkpoint: how to go on from there.
    pub fn halted(&self, why: &str) -> CliError {
        let next = self.checkpoint.lines + 1;
        CliError::Halted(match &self.checkpoint_path {
            Some(path) => format!(
                "{why}; stopped before line {next} (checkpoint {}): rerun the same command to continue from there",
                path.display()
            ),
            None => format!(
                "{why}; stopped before line {next} of standard input, which cannot be resumed: send its lines from \
                 {next} on again"
            ),
        })
    }
}
