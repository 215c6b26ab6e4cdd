//! `timeline send`: backfill events from an NDJSON file, resumably.
//!
//! The file is read in chunks of lines. Each chunk is checked against the
//! template (by the client, before anything is sent) and sent; once every
//! line of the chunk is stored or written to the failures file, the
//! checkpoint moves past it. A run that stops anywhere resumes at the last
//! checkpoint: lines of the unfinished chunk are sent again with the same
//! ids, so HubSpot replaces them instead of storing them twice. A resume
//! first checks that the lines already sent are unchanged (see
//! [`checkpoint`]); `--restart` starts from line 1 instead.
//!
//! Standard input (`-`) is read the same way but keeps no checkpoint, and a
//! dry run (`--dry-run`) checks every line without sending any (see
//! [`dry_run`]).
//!
//! With an app-event definition (`*-hsmeta.json`) and no `--template-id`,
//! the lines are app events of that definition (its `uid` is their event
//! type name), sent to the app-event API; with `--template-id`, they are v3
//! events of that template.

pub mod checkpoint;
pub mod dry_run;
pub mod failures;
pub mod line;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use timeline_core::wire::TimelineEventTemplate;
use timeline_core::{Client, EventKind, FailureReason, SendAll, TemplateFile, TemplateFileError};

use crate::args::SendArgs;
use crate::connection::{client_builder, per_ten_seconds};
use crate::error::CliError;
use checkpoint::{Checkpoint, Fingerprint, PrefixHash};
use dry_run::DryRun;
use failures::{FailedLine, FailureLog, kind};
use line::LineInput;

/// What a `send` did, counting the lines of earlier runs it resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Lines done (blank lines included).
    pub lines: u64,
    /// Events stored (with `--dry-run`: events that passed every check).
    pub created: u64,
    /// Lines that failed, each in the failures file.
    pub failed: u64,
    /// The line the run started at (0 for a fresh run).
    pub resumed_at: u64,
    /// The failures file.
    pub failures: PathBuf,
    /// The checkpoint file, if the run kept one (not for standard input nor a dry run).
    pub checkpoint: Option<PathBuf>,
    /// Whether this was a dry run, which sent nothing.
    pub dry_run: bool,
}

/// The `EVENTS` argument that means standard input.
pub const STDIN: &str = "-";

/// Runs `timeline send`.
///
/// With `--dry-run` each chunk goes through the checks the client and
/// HubSpot make ([`DryRun`]) and nothing leaves the machine.
pub async fn send(args: &SendArgs) -> Result<Summary, CliError> {
    let from_stdin = args.events.as_os_str() == STDIN;
    if from_stdin && (args.checkpoint.is_some() || args.restart) {
        return Err(CliError::Usage(
            "standard input (`-`) cannot be resumed, so it keeps no checkpoint: drop --checkpoint and --restart, \
             or save the events to a file to send them resumably"
                .to_owned(),
        ));
    }
    let (kind, template) = match (TemplateFile::read(&args.template)?, args.template_id.as_deref()) {
        (TemplateFile::AppEvent { uid, template }, None) => {
            (EventKind::AppEvent, TimelineEventTemplate { id: uid, ..template })
        }
        (file, template_id) => (EventKind::Timeline, file.into_template(template_id)?),
    };
    let destination = match args.dry_run {
        true => {
            let definition = match kind {
                EventKind::AppEvent => app_event_definition(&args.template)?,
                _ => timeline_template::Definition::from(&template),
            };
            let malformed = |reason| TemplateFileError::Malformed { path: args.template.clone(), reason };
            Destination::DryRun(Box::new(DryRun::new(kind, &template, definition).map_err(malformed)?))
        }
        false => Destination::HubSpot(
            client_builder(&args.connection)?
                .rate_limit(per_ten_seconds(args.rate_limit))
                .template(template.clone())
                .batch_size(args.batch_size)
                .max_in_flight(args.max_in_flight)
                .build()?,
        ),
    };
    let failures_path = args.failures.clone().unwrap_or_else(|| default_failures(&args.events, args.dry_run));
    let checkpoint_path = match from_stdin || args.dry_run {
        true => None,
        false => Some(args.checkpoint.clone().unwrap_or_else(|| with_suffix(&args.events, ".checkpoint"))),
    };
    let saved = match &checkpoint_path {
        Some(path) if !args.restart => Checkpoint::load(path)?,
        _ => None,
    };
    let mut checkpoint = match saved {
        Some(saved) if saved.template_id != template.id => {
            return Err(CliError::Checkpoint {
                path: checkpoint_path.unwrap_or_default(),
                reason: format!("it is for template {}, not {}", saved.template_id, template.id),
            });
        }
        Some(saved) => saved,
        None => Checkpoint::start(&template.id),
    };
    let resumed_at = checkpoint.lines;
    let mut events = if from_stdin { Events::stdin() } else { Events::open(&args.events, &checkpoint)? };
    let mut failures = FailureLog::open(&failures_path, checkpoint.failures_bytes)?;
    let total = if from_stdin { None } else { Some(count_lines(&args.events)?) };
    let progress = progress_bar(args.no_progress, total, checkpoint.lines);
    if args.dry_run {
        eprintln!("dry run: every line is checked, nothing is sent and no checkpoint is written");
    }
    if let Some(path) = &checkpoint_path {
        if resumed_at > 0 {
            let grown = events.fingerprint()?.size.saturating_sub(checkpoint.events.size);
            let appended = if grown > 0 {
                format!("; {grown} bytes were appended since, and are sent too")
            } else {
                String::new()
            };
            eprintln!("resuming after line {resumed_at} ({}){appended}", path.display());
        } else {
            checkpoint.events = events.fingerprint()?;
            checkpoint.save(path)?;
        }
    }
    loop {
        let chunk = events.next_chunk(args.checkpoint_every.max(1))?;
        if chunk.is_empty() {
            break;
        }
        let resent = checkpoint.lines == resumed_at && resumed_at > 0;
        let lines = Lines { kind, template: &template, resent };
        let (created, failed) = match send_chunk(&destination, lines, &chunk, &mut failures, &progress).await {
            Ok(counts) => counts,
            Err(CliError::Halted(why)) => {
                progress.abandon();
                let next = checkpoint.lines + 1;
                return Err(CliError::Halted(match &checkpoint_path {
                    Some(path) => format!(
                        "{why}; stopped before line {next} (checkpoint {}): rerun the same command to continue from \
                         there",
                        path.display()
                    ),
                    None => format!(
                        "{why}; stopped before line {next} of standard input, which cannot be resumed: send its \
                         lines from {next} on again"
                    ),
                }));
            }
            Err(error) => return Err(error),
        };
        checkpoint.lines = events.lines;
        checkpoint.offset = events.offset;
        checkpoint.failures_bytes = failures.sync()?;
        checkpoint.created += created;
        checkpoint.failed += failed;
        if let Some(path) = &checkpoint_path {
            checkpoint.events = events.fingerprint()?;
            checkpoint.save(path)?;
        }
    }
    progress.finish_and_clear();
    Ok(Summary {
        lines: checkpoint.lines,
        created: checkpoint.created,
        failed: checkpoint.failed,
        resumed_at,
        failures: failures_path,
        checkpoint: checkpoint_path,
        dry_run: args.dry_run,
    })
}

/// The failures file when `--failures` is not given: next to the events
/// file, or in the current folder for standard input; a dry run's has its
/// own name, so it never mixes with the file a resumable run appends to.
fn default_failures(events: &Path, dry_run: bool) -> PathBuf {
    let suffix = if dry_run { ".dry-run.failed.ndjson" } else { ".failed.ndjson" };
    match events.as_os_str() == STDIN {
        true => with_suffix(Path::new("stdin"), suffix),
        false => with_suffix(events, suffix),
    }
}

/// Sends one chunk (or checks it, in a dry run) and records its failures;
/// returns (created, failed).
///
/// `resent` marks the chunk a stopped run may have sent already (the first
/// after a resume): HubSpot's "already in use" for its events means created.
/// A chunk that meets the daily limit or an outage (transport failures, or
/// 5xx after every retry) is [`CliError::Halted`], its failures unrecorded,
/// so the checkpoint stays before it and a rerun sends it again.
async fn send_chunk(
    destination: &Destination,
    lines: Lines<'_>,
    chunk: &[Line],
    failures: &mut FailureLog,
    progress: &ProgressBar,
) -> Result<(u64, u64), CliError> {
    let mut inputs: Vec<LineInput> = Vec::with_capacity(chunk.len());
    let mut sent_lines: Vec<&Line> = Vec::with_capacity(chunk.len());
    let mut failed = 0;
    for line in chunk {
        let text = match &line.text {
            Ok(text) if text.trim().is_empty() => {
                progress.inc(1);
                continue;
            }
            Ok(text) => text.as_str(),
            Err(reason) => {
                failures.record(&FailedLine {
                    line: line.number,
                    id: None,
                    kind: "unreadable_line",
                    reason: reason.clone(),
                    may_have_landed: false,
                    event: "",
                })?;
                failed += 1;
                progress.inc(1);
                continue;
            }
        };
        match line::parse_as(text, lines.template, lines.kind) {
            Ok(input) => {
                inputs.push(if lines.resent { input.marked_sent_before() } else { input });
                sent_lines.push(line);
            }
            Err(reason) => {
                failures.record(&FailedLine {
                    line: line.number,
                    id: None,
                    kind: "unreadable_line",
                    reason,
                    may_have_landed: false,
                    event: text,
                })?;
                failed += 1;
                progress.inc(1);
            }
        }
    }
    let (created, refused) = match destination {
        Destination::HubSpot(client) => {
            let report = inputs
                .send_all(client)
                .keep_created(false)
                .max_failures(usize::MAX)
                .on_outcome(|_| progress.inc(1))
                .await
                .map_err(|stopped| stopped.into_parts().0)?;
            if let Some(why) = report.failed().iter().find_map(|failure| halting(&failure.reason)) {
                return Err(CliError::Halted(why));
            }
            let refused = report
                .failed()
                .iter()
                .map(|failure| Refused {
                    index: failure.index,
                    id: failure.id.clone(),
                    reason: Arc::clone(&failure.reason),
                    may_have_landed: failure.may_have_landed,
                })
                .collect();
            (report.created_count(), refused)
        }
        Destination::DryRun(dry_run) => {
            let refused: Vec<Refused> = dry_run
                .check(&inputs)
                .into_iter()
                .map(|(index, reason)| Refused {
                    index,
                    id: Some(inputs[index].id().to_owned()),
                    reason: Arc::new(reason),
                    may_have_landed: false,
                })
                .collect();
            progress.inc(inputs.len() as u64);
            (inputs.len() - refused.len(), refused)
        }
    };
    for refused in &refused {
        let line = sent_lines[refused.index];
        failures.record(&FailedLine {
            line: line.number,
            id: refused.id.as_deref(),
            kind: kind(&refused.reason),
            reason: refused.reason.to_string(),
            may_have_landed: refused.may_have_landed,
            event: line.text.as_deref().unwrap_or_default(),
        })?;
    }
    Ok((created as u64, failed + refused.len() as u64))
}

/// Where the lines go: to HubSpot, or through its checks only (a dry run).
enum Destination {
    /// Sent by this client.
    HubSpot(Client),
    /// Checked only.
    DryRun(Box<DryRun>),
}

/// An input of a chunk that was not stored, and why.
struct Refused {
    /// Its position among the chunk's inputs.
    index: usize,
    /// The id it was sent with, if it got that far.
    id: Option<String>,
    /// Why it was not stored.
    reason: Arc<FailureReason>,
    /// Whether HubSpot may have stored it anyway.
    may_have_landed: bool,
}

/// How the lines of a chunk are read: as events of `kind` of `template`,
/// marked sent before when `resent` (the first chunk after a resume).
#[derive(Clone, Copy)]
struct Lines<'a> {
    kind: EventKind,
    template: &'a TimelineEventTemplate,
    resent: bool,
}

/// The app-event definition at `path`, as HubSpot knows it (for a dry run).
fn app_event_definition(path: &Path) -> Result<timeline_template::Definition, CliError> {
    let text = std::fs::read_to_string(path).map_err(|error| CliError::Io { path: path.to_owned(), error })?;
    timeline_template::definition::parse(&text)
        .map_err(|reason| TemplateFileError::Malformed { path: path.to_owned(), reason }.into())
}

/// Why a failure stops the run instead of being written to the failures
/// file: sending the rest now would only fail the same way.
fn halting(reason: &FailureReason) -> Option<String> {
    match reason {
        FailureReason::RateLimited { daily: true, message } => Some(format!(
            "HubSpot's daily request limit is reached ({message}); it resets at midnight in the account's time zone"
        )),
        FailureReason::Transport { message, .. } => Some(format!("HubSpot could not be reached: {message}")),
        FailureReason::Server { status, attempts } => {
            Some(format!("HubSpot answered {status} to every one of {attempts} attempts"))
        }
        _ => None,
    }
}

/// One line of the events file: its text, or why it could not be read.
#[derive(Debug)]
struct Line {
    number: u64,
    text: Result<String, String>,
}

/// The events, read on from a checkpoint, with a running hash of what was read.
struct Events {
    /// The events file, or `-` for standard input.
    path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    /// The events file, for its size; `None` for standard input.
    file: Option<File>,
    offset: u64,
    lines: u64,
    hash: PrefixHash,
}

impl Events {
    /// Opens `path` at `checkpoint`'s offset, once its bytes before it are verified.
    fn open(path: &Path, checkpoint: &Checkpoint) -> Result<Events, CliError> {
        let mut file = File::open(path).map_err(CliError::io(path))?;
        let hash = checkpoint.verify(path, &mut file)?;
        let sized = file.try_clone().map_err(CliError::io(path))?;
        let (offset, lines) = (checkpoint.offset, checkpoint.lines);
        let reader = Box::new(BufReader::new(file));
        Ok(Events { path: path.to_owned(), reader, file: Some(sized), offset, lines, hash })
    }

    /// Standard input, from its first line.
    fn stdin() -> Events {
        let reader = Box::new(BufReader::new(std::io::stdin()));
        Events { path: PathBuf::from(STDIN), reader, file: None, offset: 0, lines: 0, hash: PrefixHash::default() }
    }

    /// The file's fingerprint up to the lines read so far (standard input
    /// has none: it is never checkpointed).
    fn fingerprint(&self) -> Result<Fingerprint, CliError> {
        let size = match &self.file {
            Some(file) => file.metadata().map_err(CliError::io(&self.path))?.len(),
            None => 0,
        };
        Ok(self.hash.fingerprint(size))
    }

    /// Up to `size` more lines.
    fn next_chunk(&mut self, size: usize) -> Result<Vec<Line>, CliError> {
        let mut chunk = Vec::with_capacity(size);
        let mut bytes = Vec::new();
        while chunk.len() < size {
            bytes.clear();
            let read = self.reader.read_until(b'\n', &mut bytes).map_err(CliError::io(&self.path))?;
            if read == 0 {
                break;
            }
            self.offset += read as u64;
            self.lines += 1;
            self.hash.update(&bytes);
            let text = String::from_utf8(bytes.clone()).map_err(|_| "the line is not UTF-8".to_owned());
            chunk.push(Line { number: self.lines, text });
        }
        Ok(chunk)
    }
}

/// The number of lines of `path` (a last line without a newline counts).
fn count_lines(path: &Path) -> Result<u64, CliError> {
    let mut reader = BufReader::new(File::open(path).map_err(CliError::io(path))?);
    let (mut lines, mut last) = (0, b'\n');
    loop {
        let buffer = reader.fill_buf().map_err(CliError::io(path))?;
        let Some(&end) = buffer.last() else { break };
        lines += buffer.iter().filter(|&&byte| byte == b'\n').count() as u64;
        last = end;
        let length = buffer.len();
        reader.consume(length);
    }
    Ok(lines + u64::from(last != b'\n'))
}

/// A progress bar on stderr over `total` lines, or a line counter when the
/// total is unknown (standard input).
fn progress_bar(hidden: bool, total: Option<u64>, done: u64) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(total) => (ProgressBar::new(total), "{bar:40} {pos}/{len} lines  {per_sec}  eta {eta}"),
        None => (ProgressBar::no_length(), "{spinner} {pos} lines  {per_sec}"),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_position(done);
    bar
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
