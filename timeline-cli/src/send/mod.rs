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
//! A chunk goes through four stages, each in its own module and each
//! knowing only those before it: [`source`] reads its lines, [`encode`]
//! reads them as event inputs (one line: [`line`](mod@line)), [`deliver`] sends the
//! inputs (or checks them), and [`record`] writes the failures and moves
//! the checkpoint past the chunk.
//!
//! With an app-event definition (`*-hsmeta.json`) and no `--template-id`,
//! the lines are app events of that definition (its `uid` is their event
//! type name), sent to the app-event API; with `--template-id`, they are v3
//! events of that template.

pub mod checkpoint;
pub mod deliver;
pub mod dry_run;
pub mod encode;
pub mod failures;
pub mod line;
pub mod record;
pub mod source;

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use timeline_core::wire::TimelineEventTemplate;
use timeline_core::{EventKind, TemplateFile};

use crate::args::SendArgs;
use crate::error::CliError;
use deliver::Destination;
use encode::{Reading, encode_chunk};
use record::Ledger;
pub use source::STDIN;
use source::{Events, count_lines};

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

/// Runs `timeline send`.
///
/// With `--dry-run` each chunk goes through the checks the client and
/// HubSpot make ([`dry_run::DryRun`]) and nothing leaves the machine.
pub async fn send(args: &SendArgs) -> Result<Summary, CliError> {
    let from_stdin = args.events.as_os_str() == STDIN;
    if from_stdin && (args.checkpoint.is_some() || args.restart) {
        return Err(CliError::Usage(
            "standard input (`-`) cannot be resumed, so it keeps no checkpoint: drop --checkpoint and --restart, \
             or save the events to a file to send them resumably"
                .to_owned(),
        ));
    }
    let (kind, template) = event_type(args)?;
    let destination = Destination::new(args, kind, &template)?;
    let checkpoint_path = match from_stdin || args.dry_run {
        true => None,
        false => Some(args.checkpoint.clone().unwrap_or_else(|| with_suffix(&args.events, ".checkpoint"))),
    };
    let failures_path = args.failures.clone().unwrap_or_else(|| default_failures(&args.events, args.dry_run));
    let mut ledger = Ledger::open(checkpoint_path, args.restart, failures_path, &template.id)?;
    let mut events = if from_stdin { Events::stdin() } else { Events::open(&args.events, ledger.checkpoint())? };
    let total = if from_stdin { None } else { Some(count_lines(&args.events)?) };
    let progress = progress_bar(args.no_progress, total, ledger.checkpoint().lines);
    if args.dry_run {
        eprintln!("dry run: every line is checked, nothing is sent and no checkpoint is written");
    }
    ledger.begin(&events)?;
    loop {
        let chunk = events.next_chunk(args.checkpoint_every.max(1))?;
        if chunk.is_empty() {
            break;
        }
        let reading = Reading { kind, template: &template, resent: ledger.next_chunk_may_be_resent() };
        let (inputs, origins) = encode_chunk(&chunk, reading);
        progress.inc(origins.blank + origins.unreadable.len() as u64);
        let delivered = match destination.deliver(inputs, &progress).await {
            Ok(delivered) => delivered,
            Err(CliError::Halted(why)) => {
                progress.abandon();
                return Err(ledger.halted(&why));
            }
            Err(error) => return Err(error),
        };
        ledger.record(&origins, &delivered, &events)?;
    }
    progress.finish_and_clear();
    let done = ledger.checkpoint();
    Ok(Summary {
        lines: done.lines,
        created: done.created,
        failed: done.failed,
        resumed_at: ledger.resumed_at(),
        failures: ledger.failures_path().to_owned(),
        checkpoint: ledger.checkpoint_path().map(Path::to_owned),
        dry_run: args.dry_run,
    })
}

/// The kind and event type of the events `args` send: the app events of
/// an app-event definition (`*-hsmeta.json`) given without
/// `--template-id`, v3 events of the template otherwise.
fn event_type(args: &SendArgs) -> Result<(EventKind, TimelineEventTemplate), CliError> {
    Ok(match (TemplateFile::read(&args.template)?, args.template_id.as_deref()) {
        (TemplateFile::AppEvent { uid, template }, None) => {
            (EventKind::AppEvent, TimelineEventTemplate { id: uid, ..template })
        }
        (file, template_id) => (EventKind::Timeline, file.into_template(template_id)?),
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
