//! Maps a batch answer (201, or 207 with per-input errors) back to the
//! batch's inputs: by `id` where HubSpot names one, by order where it does not.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::batch::Item;
use super::report::{Created, FailureReason, Outcome};
use crate::wire::{ErrorDetail, StandardError};

/// The parts of a batch answer the mapping needs, read leniently.
#[derive(Debug, Default, Deserialize)]
struct BatchAnswer<'a> {
    #[serde(default, borrow)]
    results: Vec<StoredEvent<'a>>,
    #[serde(default)]
    errors: Vec<StandardError>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredEvent<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default)]
    object_id: Option<String>,
}

/// The outcome of every input of a batch answered with a 2xx `status`.
pub(crate) fn map_answer(items: &[Item], status: u16, body: &[u8]) -> Vec<Outcome> {
    let answer: BatchAnswer = if body.iter().all(u8::is_ascii_whitespace) && status != 207 {
        BatchAnswer::default()
    } else {
        match serde_json::from_slice(body) {
            Ok(answer) => answer,
            Err(error) => {
                return unreadable(items, &format!("HubSpot's {status} answer is not a batch result: {error}"));
            }
        }
    };

    let mut positions = Positions { items, next: 0, by_id: None };
    let mut fates: Vec<Option<Outcome>> = vec![None; items.len()];
    let mut take = |id: &str| positions.take(id);

    for stored in answer.results {
        if let Some(position) = take(&stored.id) {
            fates[position] = Some(created(&items[position], stored.object_id));
        }
    }
    let mut unnamed = Vec::new();
    for error in answer.errors {
        let ids = error.context.get("id").cloned().unwrap_or_default();
        let positions: Vec<usize> = ids.iter().filter_map(|id| take(id)).collect();
        if positions.is_empty() {
            unnamed.push(error);
            continue;
        }
        let reason = Arc::new(validation(&error));
        for position in positions {
            fates[position] = Some(refused(&items[position], &reason));
        }
    }
    let mut unnamed = unnamed.into_iter();
    for (position, fate) in fates.iter_mut().enumerate() {
        if fate.is_some() {
            continue;
        }
        let item = &items[position];
        *fate = Some(match unnamed.next() {
            Some(error) => refused(item, &Arc::new(validation(&error))),
            None if status == 207 => failed(
                item,
                FailureReason::ResponseUnreadable { detail: "HubSpot's 207 answer did not mention this input".into() },
            ),
            None => created(item, None),
        });
    }
    fates.into_iter().flatten().collect()
}

/// The outcome of the one input of a single-event request answered with a
/// 2xx: created, with the record HubSpot names when its answer (a 201's
/// `AppEventOccurrence`) says; a 200 has no body.
pub(crate) fn map_single_answer(items: &[Item], body: &[u8]) -> Vec<Outcome> {
    let object_id = serde_json::from_slice::<StoredEvent<'_>>(body).ok().and_then(|stored| stored.object_id);
    items.iter().map(|item| created(item, object_id.clone())).collect()
}

/// Finds the input that a result or an error names by id, each input once.
///
/// While the answer names the inputs in the order they were sent (the usual
/// case) this costs one comparison per input; from the first id out of that
/// order on, a map of the inputs not yet taken answers.
struct Positions<'a> {
    items: &'a [Item],
    /// Every input before this one is taken; none after it is.
    next: usize,
    /// The inputs not yet taken, by id, each list in ascending order from its end.
    by_id: Option<HashMap<&'a str, Vec<usize>>>,
}

impl Positions<'_> {
    fn take(&mut self, id: &str) -> Option<usize> {
        if self.by_id.is_none() {
            if self.items.get(self.next).is_some_and(|item| &*item.id == id) {
                self.next += 1;
                return Some(self.next - 1);
            }
            let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
            for (position, item) in self.items.iter().enumerate().skip(self.next).rev() {
                by_id.entry(&*item.id).or_default().push(position);
            }
            self.by_id = Some(by_id);
        }
        self.by_id.as_mut()?.get_mut(id).and_then(Vec::pop)
    }
}

/// Every input of a batch whose answer could not be read.
pub(crate) fn unreadable(items: &[Item], detail: &str) -> Vec<Outcome> {
    all_failed(items, &Arc::new(FailureReason::ResponseUnreadable { detail: detail.to_owned() }))
}

/// Every input of a batch failed for the same `reason`, shared.
pub(crate) fn all_failed(items: &[Item], reason: &Arc<FailureReason>) -> Vec<Outcome> {
    items.iter().map(|item| Outcome::Failed(item.failure(Arc::clone(reason)))).collect()
}

/// The outcome of an input HubSpot refused with `reason`. HubSpot's
/// "Event ID already in use" (or an app event's 409) means an earlier
/// attempt stored it when one may have landed (created), and a conflict
/// with another event otherwise.
pub(crate) fn refused(item: &Item, reason: &Arc<FailureReason>) -> Outcome {
    match &**reason {
        FailureReason::DuplicateId { .. } if item.landed_before => confirmed_by_duplicate(item),
        FailureReason::Validation { message, details, .. } if id_in_use(message, details) => {
            if item.landed_before {
                confirmed_by_duplicate(item)
            } else {
                let message = match details.first() {
                    Some(detail) if !says_id_in_use(message) => detail.message.clone(),
                    _ => message.clone(),
                };
                Outcome::Failed(item.failure(Arc::new(FailureReason::DuplicateId { message })))
            }
        }
        _ => Outcome::Failed(item.failure(Arc::clone(reason))),
    }
}

/// Whether HubSpot's refusal says the event id is taken ("Event ID already
/// in use, please choose a new unique ID") and nothing else: in its message,
/// or in every one of its details (a batch refused whole names the cause of
/// each input there).
fn id_in_use(message: &str, details: &[ErrorDetail]) -> bool {
    says_id_in_use(message) || (!details.is_empty() && details.iter().all(|detail| says_id_in_use(&detail.message)))
}

fn says_id_in_use(text: &str) -> bool {
    text.to_ascii_lowercase().contains("already in use")
}

fn validation(error: &StandardError) -> FailureReason {
    FailureReason::Validation {
        category: error.category.clone(),
        message: error.message.clone(),
        context: error.context.clone(),
        details: error.errors.clone(),
    }
}

/// An input whose id HubSpot says is taken, after an earlier attempt of it
/// may have landed: that attempt stored it.
fn confirmed_by_duplicate(item: &Item) -> Outcome {
    Outcome::Created(Created {
        index: item.index,
        id: item.id.to_string(),
        event_type: item.event_type.to_string(),
        object_id: None,
        confirmed_by_duplicate: true,
        account: item.account,
    })
}

fn created(item: &Item, object_id: Option<String>) -> Outcome {
    Outcome::Created(Created {
        index: item.index,
        id: item.id.to_string(),
        event_type: item.event_type.to_string(),
        object_id,
        confirmed_by_duplicate: false,
        account: item.account,
    })
}

fn failed(item: &Item, reason: FailureReason) -> Outcome {
    Outcome::Failed(item.failure(Arc::new(reason)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::batch::{Chunker, Pushed};
    use crate::client::input::EventInput;
    use crate::error::EncodeError;

    struct Raw(&'static str);

    impl EventInput for Raw {
        fn event_type(&self) -> &str {
            "1"
        }

        fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
            out.extend_from_slice(b"{}");
            Ok(self.0.to_owned())
        }
    }

    fn items(ids: &[&'static str]) -> Vec<Item> {
        let mut chunker = Chunker::new(100, 1 << 20);
        for (index, id) in ids.iter().enumerate() {
            assert_eq!(chunker.push(index + 10, &Raw(id)), Pushed::Pending);
        }
        chunker.finish().pop().unwrap().items().to_vec()
    }

    fn summary(outcomes: &[Outcome]) -> Vec<(usize, String)> {
        outcomes
            .iter()
            .map(|outcome| match outcome {
                Outcome::Created(created) => (created.index, format!("created {:?}", created.object_id)),
                Outcome::Failed(failure) => (failure.index, format!("failed {}", failure.reason)),
            })
            .collect()
    }

    #[test]
    fn maps_207_results_and_errors_by_id() {
        let body = br#"{"status":"COMPLETE","numErrors":1,
            "results":[{"id":"c","objectId":"3","objectType":"contacts"},{"id":"a","objectId":"1"}],
            "errors":[{"status":"error","category":"VALIDATION_ERROR","message":"bad b","context":{"id":["b"]}}]}"#;
        let outcomes = map_answer(&items(&["a", "b", "c"]), 207, body);
        assert_eq!(
            summary(&outcomes),
            [
                (10, "created Some(\"1\")".to_owned()),
                (11, "failed rejected by HubSpot (VALIDATION_ERROR): bad b".to_owned()),
                (12, "created Some(\"3\")".to_owned()),
            ]
        );
    }

    #[test]
    fn errors_without_an_id_go_to_unmentioned_inputs_in_order() {
        let body = br#"{"results":[{"id":"b"}],
            "errors":[{"category":"VALIDATION_ERROR","message":"first"},{"category":"VALIDATION_ERROR","message":"second"}]}"#;
        let outcomes = map_answer(&items(&["a", "b", "c", "d"]), 207, body);
        let summary = summary(&outcomes);
        assert!(summary[0].1.ends_with("first"), "{summary:?}");
        assert_eq!(summary[1].1, "created None");
        assert!(summary[2].1.ends_with("second"), "{summary:?}");
        assert!(summary[3].1.contains("did not mention"), "{summary:?}");
    }

    #[test]
    fn duplicate_ids_in_one_batch_are_each_mapped() {
        let body = br#"{"results":[{"id":"a","objectId":"1"}],
            "errors":[{"category":"VALIDATION_ERROR","message":"dup","context":{"id":["a"]}}]}"#;
        let outcomes = map_answer(&items(&["a", "a"]), 207, body);
        assert!(matches!(outcomes[0], Outcome::Created(_)));
        assert!(matches!(outcomes[1], Outcome::Failed(_)));
    }

    #[test]
    fn ids_first_in_order_then_out_of_order_are_each_mapped_once() {
        let body = br#"{"results":[{"id":"a","objectId":"1"},{"id":"b","objectId":"2"},{"id":"e","objectId":"5"},
            {"id":"c","objectId":"3"},{"id":"b","objectId":"4"},{"id":"a","objectId":"9"}],
            "errors":[{"category":"VALIDATION_ERROR","message":"bad d","context":{"id":["d"]}}]}"#;
        let outcomes = map_answer(&items(&["a", "b", "c", "d", "e", "b"]), 207, body);
        assert_eq!(
            summary(&outcomes),
            [
                (10, "created Some(\"1\")".to_owned()),
                (11, "created Some(\"2\")".to_owned()),
                (12, "created Some(\"3\")".to_owned()),
                (13, "failed rejected by HubSpot (VALIDATION_ERROR): bad d".to_owned()),
                (14, "created Some(\"5\")".to_owned()),
                (15, "created Some(\"4\")".to_owned()),
            ]
        );
    }

    #[test]
    fn a_201_without_a_body_means_all_created() {
        let outcomes = map_answer(&items(&["a", "b"]), 201, b"");
        assert!(outcomes.iter().all(|outcome| matches!(outcome, Outcome::Created(_))));
        assert_eq!(outcomes.len(), 2);
    }

    #[test]
    fn a_malformed_body_leaves_every_input_possibly_landed() {
        let outcomes = map_answer(&items(&["a", "b"]), 201, b"{\"results\": [");
        assert_eq!(outcomes.len(), 2);
        for outcome in &outcomes {
            let Outcome::Failed(failure) = outcome else { panic!("{outcome:?}") };
            assert!(failure.reason.may_have_landed());
        }
    }
}
