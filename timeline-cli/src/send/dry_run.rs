//! `timeline send --dry-run`: each chunk of lines goes through the checks a
//! real run meets before HubSpot stores an event, and nowhere else. First
//! the client's own check against the template
//! ([`TemplateViolation::find`], a `template_mismatch`), then HubSpot's
//! ([`timeline_core::check`], as the sandbox answers: a `validation`), and
//! within a chunk an id given again: a v3 event's with other content is
//! "already in use" (a `duplicate_id`), an app event's is refused at all.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use timeline_core::check::{self, EventTypes, ID_IN_USE, Invalid, Json};
use timeline_core::wire::TimelineEventTemplate;
use timeline_core::{EventInput, EventKind, FailureReason, TemplateViolation};
use timeline_template::Definition;

use super::line::LineInput;

/// The checks of a dry run of events of one kind and template.
#[derive(Debug)]
pub struct DryRun {
    kind: EventKind,
    /// The template as the client knows it (for an app event, its `id` is the `uid`).
    template: Definition,
    /// The definition as HubSpot knows it.
    types: EventTypes,
}

impl DryRun {
    /// The checks of events of `kind` of `template` (as the client knows
    /// it) and `definition` (as HubSpot knows it: for an app event, its
    /// `*-hsmeta.json` file's, which says more than the template, such as
    /// custom objects). The error says what is wrong with the definition.
    pub fn new(kind: EventKind, template: &TimelineEventTemplate, definition: Definition) -> Result<DryRun, String> {
        let mut types = EventTypes::new();
        types.insert(definition)?;
        Ok(DryRun { kind, template: Definition::from(template), types })
    }

    /// The inputs of one chunk that a real run could not store, by their
    /// position, with the reason it would give; the others would be stored.
    pub fn check(&self, inputs: &[LineInput]) -> Vec<(usize, FailureReason)> {
        let mut failed = Vec::new();
        let mut passed: Vec<(usize, Vec<u8>)> = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.iter().enumerate() {
            let mut json = Vec::new();
            if let Err(error) = input.encode_into(&mut json) {
                failed.push((index, FailureReason::Encoding(error)));
                continue;
            }
            let violations = TemplateViolation::find(&self.template, &json);
            if violations.is_empty() {
                passed.push((index, json));
            } else {
                failed.push((index, FailureReason::TemplateMismatch { violations }));
            }
        }
        let parsed: Vec<Json<'_>> =
            passed.iter().map(|(_, json)| serde_json::from_slice(json).unwrap_or(Json::Null)).collect();
        let refused: Vec<Option<FailureReason>> = match self.kind {
            EventKind::AppEvent => check::app_event_batch(&parsed, &self.types)
                .into_iter()
                .map(|checked| checked.err().map(validation))
                .collect(),
            _ => {
                let mut stored: HashMap<&str, &[u8]> = HashMap::new();
                passed
                    .iter()
                    .zip(&parsed)
                    .map(|((index, json), parsed)| match check::timeline_event(parsed, &self.types) {
                        Err(invalid) => Some(validation(invalid)),
                        Ok(_) => match stored.entry(inputs[*index].id()) {
                            Entry::Vacant(entry) => {
                                entry.insert(json);
                                None
                            }
                            Entry::Occupied(entry) if *entry.get() == json.as_slice() => None,
                            Entry::Occupied(_) => Some(FailureReason::DuplicateId { message: ID_IN_USE.to_owned() }),
                        },
                    })
                    .collect()
            }
        };
        failed.extend(passed.iter().zip(refused).filter_map(|((index, _), reason)| Some((*index, reason?))));
        failed.sort_by_key(|(index, _)| *index);
        failed
    }
}

/// What a real run reports for an input HubSpot refuses as invalid.
fn validation(invalid: Invalid) -> FailureReason {
    let error = invalid.into_standard_error();
    FailureReason::Validation {
        category: error.category,
        message: error.message,
        context: error.context,
        details: error.errors,
    }
}
