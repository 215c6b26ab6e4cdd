//! What the sandbox does with an event id it already holds for a template.

use std::collections::HashMap;

use timeline_core::check::{ID_IN_USE, Invalid, Valid};
use timeline_core::wire::{ErrorDetail, TimelineEventInput, TimelineEventResponse};

use crate::store::{EventStore, StoredEvent};

/// A v3 event input that passed the checks.
pub(crate) type ValidInput = Valid<TimelineEventInput>;

/// The placeholder HubSpot replaces with a fresh UUID in an event id.
pub(crate) const UUID_PLACEHOLDER: &str = "{{uuid}}";

/// How the sandbox answers an input whose (template, id) it already holds,
/// or that an earlier input of the same batch used.
///
/// Ids are unique per template across all accounts, as HubSpot wants: an
/// id another account stored is "already in use" under
/// [`DuplicateIds::AcceptIdentical`] and [`DuplicateIds::Reject`] whatever
/// the content, and [`DuplicateIds::Replace`] moves the event to the account
/// that re-sent it.
///
/// HubSpot refuses an id used again for different content with 400 and
/// "Event ID already in use, please choose a new unique ID"; what it answers
/// to a re-send of the very same event is not documented, so each choice is
/// offered. Ids holding `{{uuid}}` get a fresh UUID, so they never repeat.
///
/// ```
/// use timeline_sandbox::{DuplicateIds, Sandbox};
///
/// assert_eq!(DuplicateIds::default(), DuplicateIds::AcceptIdentical);
/// let builder = Sandbox::builder().duplicate_ids(DuplicateIds::Reject);
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum DuplicateIds {
    /// The input replaces the stored event and is answered as created.
    Replace,
    /// An input identical to the stored event (same tokens, target fields,
    /// timestamp, `extraData` and `timelineIFrame` as sent) is answered as
    /// created with the stored event, which stays as it was; other content
    /// is refused as "already in use".
    #[default]
    AcceptIdentical,
    /// Every repeated id is refused as "already in use".
    Reject,
}

/// How an input that passed validation is answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Store it: a new id, or a replacement.
    Store,
    /// Answer with this stored event, which is identical; store nothing.
    SameAsStored(Box<TimelineEventResponse>),
    /// Answer as the earlier input of the same request at this index, which
    /// is identical and stored by this request.
    SameAsInput(usize),
}

/// A valid input and how it is answered.
#[derive(Debug)]
pub(crate) struct Accepted {
    /// The input.
    pub(crate) input: ValidInput,
    /// How it is answered.
    pub(crate) verdict: Verdict,
}

/// Decides every valid input of one request of `account` against the stored
/// events of every account and the earlier inputs of the request; an input
/// refused as "already in use" becomes invalid.
pub(crate) fn screen(
    mode: DuplicateIds,
    checked: Vec<Result<ValidInput, Invalid>>,
    stored: &EventStore,
    account: u64,
) -> Vec<Result<Accepted, Invalid>> {
    let verdicts = verdicts(mode, &checked, stored, account);
    checked
        .into_iter()
        .zip(verdicts)
        .map(|(checked, verdict)| match (checked?, verdict) {
            (input, Some(verdict)) => Ok(Accepted { input, verdict }),
            (input, None) => Err(id_in_use(input.input.id)),
        })
        .collect()
}

/// The verdict of each valid input, `None` for one refused as "already in
/// use" (and for invalid inputs, which are refused anyway). Ids are unique
/// across accounts: another account's event with the id is never identical.
fn verdicts(
    mode: DuplicateIds,
    checked: &[Result<ValidInput, Invalid>],
    stored: &EventStore,
    account: u64,
) -> Vec<Option<Verdict>> {
    let mut stored_here: HashMap<(&str, &str), (usize, &TimelineEventInput)> = HashMap::new();
    let mut verdicts = Vec::with_capacity(checked.len());
    for (index, checked) in checked.iter().enumerate() {
        let Ok(Valid { input: event, .. }) = checked else {
            verdicts.push(None);
            continue;
        };
        let Some(id) = event.id.as_deref().filter(|id| !id.contains(UUID_PLACEHOLDER)) else {
            verdicts.push(Some(Verdict::Store));
            continue;
        };
        let key = (event.event_template_id.as_str(), id);
        let accept_identical = mode == DuplicateIds::AcceptIdentical;
        let verdict = if mode == DuplicateIds::Replace {
            Some(Verdict::Store)
        } else if let Some(&(earlier, first)) = stored_here.get(&key) {
            (accept_identical && first == event).then_some(Verdict::SameAsInput(earlier))
        } else if let Some(existing) = stored.get(key.0, key.1) {
            (accept_identical && existing.account == account && same_content(event, existing))
                .then(|| Verdict::SameAsStored(Box::new(existing.event.clone())))
        } else {
            Some(Verdict::Store)
        };
        if matches!(verdict, Some(Verdict::Store)) {
            stored_here.insert(key, (index, event));
        }
        verdicts.push(verdict);
    }
    verdicts
}

/// Whether `input` is what was sent for `stored`: fields the sandbox filled
/// in (the contact found from an email, the time of storing, `createdAt`)
/// are not compared.
fn same_content(input: &TimelineEventInput, stored: &StoredEvent) -> bool {
    let event = &stored.event;
    let sent_object_id = event.object_id.as_ref().filter(|_| stored.sent.object_id);
    let sent_timestamp = event.timestamp.filter(|_| stored.sent.timestamp);
    input.tokens == event.tokens
        && input.object_id.as_ref() == sent_object_id
        && input.email == event.email
        && input.utk == event.utk
        && input.domain == event.domain
        && input.custom_object_type_id == event.custom_object_type_id
        && input.timestamp == sent_timestamp
        && input.extra_data == event.extra_data
        && input.timeline_i_frame == event.timeline_i_frame
}

/// The refusal of an input whose id is already in use.
fn id_in_use(id: Option<String>) -> Invalid {
    let mut problem = ErrorDetail::new(ID_IN_USE);
    problem.code = Some("ID_IN_USE".to_owned());
    problem.in_ = Some("id".to_owned());
    Invalid { id, problems: vec![problem] }
}
