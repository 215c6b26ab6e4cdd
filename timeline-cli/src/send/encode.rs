//! The second stage of `timeline send`: the lines of a chunk read as event
//! inputs ([`line`](mod@super::line) reads one), and those that are no event
//! set apart with the reason.

use timeline_core::EventKind;
use timeline_core::wire::TimelineEventTemplate;

use super::line::{self, LineError, LineInput};
use super::source::Line;

/// How the lines of a chunk are read: as events of `kind` of `template`,
/// marked sent before when `resent` (the first chunk after a resume, which
/// a stopped run may have sent already).
#[derive(Debug, Clone, Copy)]
pub struct Reading<'t> {
    /// Which API the events go to.
    pub kind: EventKind,
    /// The template (for an app event, its `id` is the definition's `uid`).
    pub template: &'t TimelineEventTemplate,
    /// Whether the chunk may have been sent before.
    pub resent: bool,
}

/// The lines of a chunk read as inputs: the line each input comes from,
/// and those that are no event.
#[derive(Debug, Default)]
pub struct Origins<'c> {
    /// The line of each input, at the input's position.
    pub lines: Vec<&'c Line>,
    /// The lines that are no event, with the reason.
    pub unreadable: Vec<(&'c Line, LineError)>,
    /// The blank lines, which are skipped.
    pub blank: u64,
}

/// Reads each line of `chunk` as `reading` says: the inputs, in line
/// order, and where they come from.
pub fn encode_chunk<'c>(chunk: &'c [Line], reading: Reading<'_>) -> (Vec<LineInput>, Origins<'c>) {
    let mut inputs = Vec::with_capacity(chunk.len());
    let mut origins = Origins::default();
    for line in chunk {
        let text = match &line.text {
            Ok(text) if text.trim().is_empty() => {
                origins.blank += 1;
                continue;
            }
            Ok(text) => text,
            Err(reason) => {
                origins.unreadable.push((line, LineError::Unreadable(reason.clone())));
                continue;
            }
        };
        match line::parse_as(text, reading.template, reading.kind) {
            Ok(input) => {
                inputs.push(if reading.resent { input.marked_sent_before() } else { input });
                origins.lines.push(line);
            }
            Err(reason) => origins.unreadable.push((line, reason)),
        }
    }
    (inputs, origins)
}
