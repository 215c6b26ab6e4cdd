//! The third stage of `timeline send`: a chunk's inputs sent to HubSpot by
//! the client (or, in a dry run, through the checks HubSpot makes), and
//! what was not stored, with why.

use std::path::Path;
use std::sync::Arc;

use indicatif::ProgressBar;
use timeline_core::wire::TimelineEventTemplate;
use timeline_core::{Client, EventKind, FailureReason, SendAll, TemplateFileError};

use super::dry_run::DryRun;
use super::line::LineInput;
use crate::args::SendArgs;
use crate::connection::{client_builder, per_ten_seconds};
use crate::error::CliError;

/// Where the inputs go: to HubSpot, or through its checks only (a dry run).
pub enum Destination {
    /// Sent by this client.
    HubSpot(Client),
    /// Checked only.
    DryRun(Box<DryRun>),
}

/// An input of a chunk that was not stored, and why.
#[derive(Debug)]
pub struct Refused {
    /// Its position among the chunk's inputs.
    pub index: usize,
    /// The id it was sent with, if it got that far.
    pub id: Option<String>,
    /// Why it was not stored.
    pub reason: Arc<FailureReason>,
    /// Whether HubSpot may have stored it anyway.
    pub may_have_landed: bool,
}

/// What became of a chunk's inputs.
#[derive(Debug)]
pub struct Delivered {
    /// How many were stored (in a dry run: passed every check).
    pub created: u64,
    /// Those that were not.
    pub refused: Vec<Refused>,
}

impl Destination {
    /// The destination `args` name for events of `kind` of `template`: a
    /// client paced and batched as they say, or the checks of a dry run.
    pub fn new(args: &SendArgs, kind: EventKind, template: &TimelineEventTemplate) -> Result<Destination, CliError> {
        if !args.dry_run {
            let client = client_builder(&args.connection)?
                .rate_limit(per_ten_seconds(args.rate_limit))
                .template(template.clone())
                .batch_size(args.batch_size)
                .max_in_flight(args.max_in_flight)
                .build()?;
            return Ok(Destination::HubSpot(client));
        }
        let definition = match kind {
            EventKind::AppEvent => app_event_definition(&args.template)?,
            _ => timeline_template::Definition::from(template),
        };
        let malformed = |reason| TemplateFileError::Malformed { path: Some(args.template.clone()), reason };
        Ok(Destination::DryRun(Box::new(DryRun::new(kind, template, definition).map_err(malformed)?)))
    }

    /// Sends `inputs` (or checks them, in a dry run), counting each on
    /// `progress`.
    ///
    /// Inputs that meet the daily limit or an outage (transport failures,
    /// or 5xx after every retry) are [`CliError::Halted`]: sending the rest
    /// now would only fail the same way.
    pub async fn deliver(&self, inputs: Vec<LineInput>, progress: &ProgressBar) -> Result<Delivered, CliError> {
        match self {
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
                Ok(Delivered { created: report.created_count() as u64, refused })
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
                Ok(Delivered { created: (inputs.len() - refused.len()) as u64, refused })
            }
        }
    }
}

/// The app-event definition at `path`, as HubSpot knows it (for a dry run).
fn app_event_definition(path: &Path) -> Result<timeline_template::Definition, CliError> {
    Ok(timeline_template::definition::read(path)?)
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
