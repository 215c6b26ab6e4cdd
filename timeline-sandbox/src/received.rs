//! How many times each (template, id) was received, whatever became of it.

use std::collections::{BTreeMap, HashMap};

use timeline_core::check::Json;

/// Inputs received per event template id, then per event id as sent.
///
/// An input is counted when it is a JSON object whose `eventTemplateId` and
/// `id` are strings, valid or not; an id holding `{{uuid}}` is counted as
/// sent, before it is filled in. Inputs without an id are not counted.
#[derive(Debug, Default)]
pub(crate) struct ReceivedCounts {
    counts: HashMap<String, HashMap<String, u64>>,
}

impl ReceivedCounts {
    /// Counts every input of one request that names a template and an id.
    pub(crate) fn count<'a>(&mut self, inputs: impl IntoIterator<Item = &'a Json<'a>>) {
        for input in inputs {
            let (Some(Json::String(template_id)), Some(Json::String(event_id))) =
                (input.get("eventTemplateId"), input.get("id"))
            else {
                continue;
            };
            self.add(template_id, event_id);
        }
    }

    /// Counts one input received for this key (a template id, or an
    /// app-event type) and id.
    pub(crate) fn add(&mut self, key: &str, event_id: &str) {
        let by_id = match self.counts.get_mut(key) {
            Some(by_id) => by_id,
            None => self.counts.entry(key.to_owned()).or_default(),
        };
        match by_id.get_mut(event_id) {
            Some(count) => *count += 1,
            None => {
                by_id.insert(event_id.to_owned(), 1);
            }
        }
    }

    /// How many inputs with this template and id were received.
    pub(crate) fn get(&self, template_id: &str, event_id: &str) -> u64 {
        self.counts.get(template_id).and_then(|by_id| by_id.get(event_id)).copied().unwrap_or(0)
    }

    /// Every count, by (template id, event id).
    pub(crate) fn all(&self) -> BTreeMap<(String, String), u64> {
        self.counts
            .iter()
            .flat_map(|(template_id, by_id)| {
                by_id.iter().map(|(event_id, count)| ((template_id.clone(), event_id.clone()), *count))
            })
            .collect()
    }

    /// Forgets every count.
    pub(crate) fn clear(&mut self) {
        self.counts.clear();
    }
}
