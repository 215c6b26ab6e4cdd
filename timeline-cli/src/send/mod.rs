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

pub mod checkpoint;
pub mod failures;
pub mod line;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use timeline_core::wire::TimelineEventTemplate;
use timeline_core::{Client, FailureReason, SendAll, TemplateFile};

use crate::args::SendArgs;
use crate::connection::{client_builder, per_ten_seconds};
use crate::error::CliError;
use checkpoint::{Checkpoint, Fingerprint, PrefixHash};
use failures::{FailedLine, FailureLog, kind};
use line::LineInput;

/// What a `send` did, counting the lines of earlier runs it resumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Lines done (blank lines included).
    pub lines: u64,
    /// Events stored.
    pub created: u64,
    /// Lines that failed, each in the failures file.
    pub failed: u64,
    /// The line the run started at (0 for a fresh run).
    pub resumed_at: u64,
    /// The failures file.
    pub failures: PathBuf,
}

/// Runs `timeline send`.
pub async fn send(args: &SendArgs) -> Result<Summary, CliError> {
    let template = TemplateFile::read(&args.template)?.into_template(args.template_id.as_deref())?;
    let client = client_builder(&args.connection)?
        .template(template.clone())
        .batch_size(args.batch_size)
        .max_in_flight(args.max_in_flight)
        .rate_limit(per_ten_seconds(args.rate_limit))
        .build()?;
    let checkpoint_path = args.checkpoint.clone().unwrap_or_else(|| with_suffix(&args.events, ".checkpoint"));
    let failures_path = args.failures.clone().unwrap_or_else(|| with_suffix(&args.events, ".failed.ndjson"));
    let saved = if args.restart { None } else { Checkpoint::load(&checkpoint_path)? };
    let mut checkpoint = match saved {
        Some(saved) if saved.template_id != template.id => {
            return Err(CliError::Checkpoint {
                path: checkpoint_path,
                reason: format!("it is for template {}, not {}", saved.template_id, template.id),
            });
        }
        Some(saved) => saved,
        None => Checkpoint::start(&template.id),
    };
    let resumed_at = checkpoint.lines;
    let mut events = Events::open(&args.events, &checkpoint)?;
    let mut failures = FailureLog::open(&failures_path, checkpoint.failures_bytes)?;
    let progress = progress_bar(args.no_progress, count_lines(&args.events)?, checkpoint.lines);
    if resumed_at > 0 {
        let grown = events.fingerprint()?.size.saturating_sub(checkpoint.events.size);
        let appended =
            if grown > 0 { format!("; {grown} bytes were appended since, and are sent too") } else { String::new() };
        eprintln!("resuming after line {resumed_at} ({}){appended}", checkpoint_path.display());
    } else {
        checkpoint.events = events.fingerprint()?;
        checkpoint.save(&checkpoint_path)?;
    }
    loop {
        let chunk = events.next_chunk(args.checkpoint_every.max(1))?;
        if chunk.is_empty() {
            break;
        }
        let resent = checkpoint.lines == resumed_at && resumed_at > 0;
        let (created, failed) = match send_chunk(&client, &template, &chunk, resent, &mut failures, &progress).await {
            Ok(counts) => counts,
            Err(CliError::Halted(why)) => {
                progress.abandon();
                return Err(CliError::Halted(format!(
                    "{why}; stopped before line {} (checkpoint {}): rerun the same command to continue from there",
                    checkpoint.lines + 1,
                    checkpoint_path.display()
                )));
            }
            Err(error) => return Err(error),
        };
        checkpoint.lines = events.lines;
        checkpoint.offset = events.offset;
        checkpoint.failures_bytes = failures.sync()?;
        checkpoint.created += created;
        checkpoint.failed += failed;
        checkpoint.events = events.fingerprint()?;
        checkpoint.save(&checkpoint_path)?;
    }
    progress.finish_and_clear();
    Ok(Summary {
        lines: checkpoint.lines,
        created: checkpoint.created,
        failed: checkpoint.failed,
        resumed_at,
        failures: failures_path,
    })
}

/// Sends one chunk and records its failures; returns (created, failed).
///
/// `resent` marks the chunk a stopped run may have sent already (the first
/// after a resume): HubSpot's "already in use" for its events means created.
/// A chunk that meets the daily limit or an outage (transport failures, or
/// 5xx after every retry) is [`CliError::Halted`], its failures unrecorded,
/// so the checkpoint stays before it and a rerun sends it again.
async fn send_chunk(
    client: &Client,
    template: &TimelineEventTemplate,
    chunk: &[Line],
    resent: bool,
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
        match line::parse(text, template) {
            Ok(input) => {
                inputs.push(if resent { input.marked_sent_before() } else { input });
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
    for failure in report.failed() {
        let line = sent_lines[failure.index];
        failures.record(&FailedLine {
            line: line.number,
            id: failure.id.as_deref(),
            kind: kind(&failure.reason),
            reason: failure.reason.to_string(),
            may_have_landed: failure.may_have_landed,
            event: line.text.as_deref().unwrap_or_default(),
        })?;
    }
    Ok((report.created_count() as u64, failed + report.failed_count() as u64))
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

/// The events file, read on from a checkpoint, with a running hash of what was read.
struct Events {
    path: PathBuf,
    reader: BufReader<File>,
    offset: u64,
    lines: u64,
    hash: PrefixHash,
}

impl Events {
    /// Opens `path` at `checkpoint`'s offset, once its bytes before it are verified.
    fn open(path: &Path, checkpoint: &Checkpoint) -> Result<Events, CliError> {
        let mut file = File::open(path).map_err(CliError::io(path))?;
        let hash = checkpoint.verify(path, &mut file)?;
        let (offset, lines) = (checkpoint.offset, checkpoint.lines);
        Ok(Events { path: path.to_owned(), reader: BufReader::new(file), offset, lines, hash })
    }

    /// The file's fingerprint up to the lines read so far.
    fn fingerprint(&self) -> Result<Fingerprint, CliError> {
        let size = self.reader.get_ref().metadata().map_err(CliError::io(&self.path))?.len();
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

fn progress_bar(hidden: bool, total: u64, done: u64) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} lines  {per_sec}  eta {eta}") {
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
