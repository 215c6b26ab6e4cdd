//! Lazy encoding and chunking: events become `{"inputs":[…]}` bodies,
//! bounded by an input count and a byte size. A batch holds events of one
//! kind (v3 timeline events or app events), since each kind has its own
//! endpoint.

use crate::AccountId;
use std::ops::Range;
use std::sync::Arc;

use super::Migrations;
use super::exchange::{BeforeSend, SendMark};
use super::input::EventInput;
use super::report::{Failure, FailureReason};
use super::validation::KnownTemplates;
use crate::kind::EventKind;

const OPEN: &[u8] = b"{\"inputs\":[";
const CLOSE: &[u8] = b"]}";

/// The least every input holds: a template id and a tokens object (with
/// the template id and the tokens empty, and no target or id, which real
/// inputs add).
const LEAST_INPUT: &[u8] = b"{\"eventTemplateId\":\"\",\"tokens\":{}}";

/// Fewer bytes than any body holding one input: a request size limit
/// below it could send nothing.
pub(crate) const LEAST_BODY_BYTES: usize = OPEN.len() + LEAST_INPUT.len() + CLOSE.len();

/// One request body and the inputs in it.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    /// The kind of every input, which says where the batch goes.
    kind: EventKind,
    body: Vec<u8>,
    items: Vec<Item>,
    /// Set when a request of this batch (or of the batch it was split from)
    /// goes out, for telling events in flight from events never sent.
    sent: Arc<SendMark>,
}

/// One input of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    /// Its position among the call's inputs.
    pub(crate) index: usize,
    /// The id it is sent with.
    pub(crate) id: Arc<str>,
    /// Its template id, shared by the inputs of one template.
    pub(crate) event_type: Arc<str>,
    /// Whether an earlier attempt (of this call, or of an earlier call the
    /// input was marked resent by) may have stored it. Sticky: once set, it
    /// stays set through retries and splits.
    pub(crate) landed_before: bool,
    /// The account it is sent for, when the client knows it.
    pub(crate) account: Option<AccountId>,
    /// Where its JSON sits in the body.
    span: Range<usize>,
}

impl Item {
    /// A failure of this input for `reason`.
    pub(crate) fn failure(&self, reason: Arc<FailureReason>) -> Failure {
        Failure::new(self.index, Some(self.id.to_string()), self.event_type.to_string(), reason, self.landed_before)
            .of_account(self.account)
    }
}

impl PartialEq for Batch {
    fn eq(&self, other: &Batch) -> bool {
        self.kind == other.kind && self.body == other.body && self.items == other.items
    }
}

impl Eq for Batch {}

impl Batch {
    fn new(kind: EventKind) -> Self {
        Batch { kind, body: OPEN.to_vec(), items: Vec::new(), sent: Arc::default() }
    }

    /// The kind of its inputs.
    pub(crate) fn kind(&self) -> EventKind {
        self.kind
    }

    /// The JSON of its only input, the body of a single-event request;
    /// `None` unless it holds exactly one.
    pub(crate) fn single_body(&self) -> Option<Vec<u8>> {
        match self.items.as_slice() {
            [item] => Some(self.body[item.span.clone()].to_vec()),
            _ => None,
        }
    }

    /// The batch of the inputs of `self` but those at `positions` (in body
    /// order), in the same order and with the same bytes, sharing the
    /// sent flag.
    pub(crate) fn without(&self, positions: &[usize]) -> Batch {
        let mut batch = Batch { sent: Arc::clone(&self.sent), ..Batch::new(self.kind) };
        for (position, item) in self.items.iter().enumerate() {
            if !positions.contains(&position) {
                batch.push(item.clone(), &self.body[item.span.clone()]);
            }
        }
        batch
    }

    /// The mark set once a request of this batch went out.
    pub(crate) fn sent_flag(&self) -> &Arc<SendMark> {
        &self.sent
    }

    /// Makes the first request of this batch (and of its splits) wait for
    /// `step` once paced, before it goes out.
    pub(crate) fn before_first_send(&mut self, step: BeforeSend) {
        self.sent = Arc::new(SendMark::before_first_send(step));
    }

    /// The body to send (the same bytes on every attempt).
    pub(crate) fn body(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.body.len() + CLOSE.len());
        body.extend_from_slice(&self.body);
        body.extend_from_slice(CLOSE);
        body
    }

    /// The body's size in bytes.
    pub(crate) fn len_bytes(&self) -> usize {
        self.body.len() + CLOSE.len()
    }

    /// The inputs, in body order.
    pub(crate) fn items(&self) -> &[Item] {
        &self.items
    }

    /// Marks every input as possibly stored by an attempt of this batch.
    pub(crate) fn mark_landed(&mut self) {
        for item in &mut self.items {
            item.landed_before = true;
        }
    }

    /// Appends `json`, the input of `item` (whose span is set here).
    fn push(&mut self, mut item: Item, json: &[u8]) {
        if !self.items.is_empty() {
            self.body.push(b',');
        }
        let start = self.body.len();
        self.body.extend_from_slice(json);
        item.span = start..self.body.len();
        self.items.push(item);
    }

    /// The batch cut in two halves, for isolating bad inputs; `None` for one input.
    pub(crate) fn split(&self) -> Option<(Batch, Batch)> {
        if self.items.len() < 2 {
            return None;
        }
        let middle = self.items.len() / 2;
        let half = |items: &[Item]| {
            let mut batch = Batch { sent: Arc::clone(&self.sent), ..Batch::new(self.kind) };
            for item in items {
                batch.push(item.clone(), &self.body[item.span.clone()]);
            }
            batch
        };
        Some((half(&self.items[..middle]), half(&self.items[middle..])))
    }
}

/// What became of one input pushed into a [`Chunker`].
#[derive(Debug, PartialEq)]
pub(crate) enum Pushed {
    /// It joined the current batch, which is not full yet.
    Pending,
    /// A batch is ready to send.
    Ready(Batch),
    /// It could not be encoded or cannot fit any batch.
    Failed(Failure),
}

/// Packs encoded inputs into batches of one kind each, of at most the
/// kind's `max_inputs` inputs and `max_bytes` body bytes.
#[derive(Debug)]
pub(crate) struct Chunker {
    max_inputs: usize,
    max_app_event_inputs: usize,
    max_bytes: usize,
    /// The batch filling with v3 timeline events.
    current: Batch,
    /// The batch filling with app events.
    current_app_events: Batch,
    scratch: Vec<u8>,
    templates: Option<Arc<KnownTemplates>>,
    /// The v3 templates whose inputs go as app events.
    migrations: Option<Arc<Migrations>>,
    /// An input converted to an app-event occurrence.
    converted: Vec<u8>,
    /// The template id of the last input, shared with the next of the same template.
    last_event_type: Option<Arc<str>>,
    /// The account the inputs are encoded for, when the client knows it.
    account: Option<AccountId>,
}

impl Chunker {
    /// An empty chunker, whose batches hold at most `max_inputs` inputs
    /// of either kind.
    pub(crate) fn new(max_inputs: usize, max_bytes: usize) -> Self {
        Chunker {
            max_inputs: max_inputs.max(1),
            max_app_event_inputs: max_inputs.max(1),
            max_bytes,
            current: Batch::new(EventKind::Timeline),
            current_app_events: Batch::new(EventKind::AppEvent),
            scratch: Vec::new(),
            templates: None,
            migrations: None,
            converted: Vec::new(),
            last_event_type: None,
            account: None,
        }
    }

    /// Batches of app events hold at most `max_inputs` inputs.
    pub(crate) fn app_event_inputs(mut self, max_inputs: usize) -> Self {
        self.max_app_event_inputs = max_inputs.max(1);
        self
    }

    /// Encodes every input for the account `account` (see
    /// [`EventInput::encode_for_account`]), when the client knows it.
    pub(crate) fn for_account(mut self, account: Option<AccountId>) -> Self {
        self.account = account;
        self
    }

    /// Checks every input against `templates` before it joins a batch; the
    /// inputs that do not fit fail without being sent.
    pub(crate) fn checking(mut self, templates: &Arc<KnownTemplates>) -> Self {
        self.templates = (!templates.is_empty()).then(|| Arc::clone(templates));
        self
    }

    /// Sends the v3 inputs of the templates of `migrations` as app-event
    /// occurrences (their ids and template ids kept in the items, so
    /// outcomes speak of the v3 events); an input the app-event type cannot
    /// take fails without being sent.
    pub(crate) fn migrating(mut self, migrations: &Arc<Migrations>) -> Self {
        self.migrations = (!migrations.is_empty()).then(|| Arc::clone(migrations));
        self
    }

    /// Encodes `input` (the call's input number `index`) into the current
    /// batch, and says whether a batch is ready to send.
    pub(crate) fn push<T: EventInput + ?Sized>(&mut self, index: usize, input: &T) -> Pushed {
        self.scratch.clear();
        let mut kind = input.kind();
        let event_type = input.event_type();
        let account = self.account;
        let failure =
            |id, reason| Failure::new(index, id, event_type.to_owned(), Arc::new(reason), false).of_account(account);
        let encoded = match account {
            Some(account) => input.encode_for_account(account, &mut self.scratch),
            None => input.encode_into(&mut self.scratch),
        };
        let id = match encoded {
            Ok(id) => id,
            Err(error) => return Pushed::Failed(failure(None, FailureReason::Encoding(error))),
        };
        if let Some(templates) = &self.templates
            && let Err(violations) = templates.check(event_type, &self.scratch)
        {
            return Pushed::Failed(failure(Some(id), FailureReason::TemplateMismatch { violations }));
        }
        if kind == EventKind::Timeline
            && let Some(migration) = self.migrations.as_ref().and_then(|migrations| migrations.get(event_type))
        {
            self.converted.clear();
            if let Err(invalid) = migration.encode_occurrence(&self.scratch, account, &mut self.converted) {
                let event_type_name = migration.event_type_name().to_owned();
                let reason = FailureReason::NotMigrated { event_type_name, problems: invalid.problems };
                return Pushed::Failed(failure(Some(id), reason));
            }
            std::mem::swap(&mut self.scratch, &mut self.converted);
            kind = EventKind::AppEvent;
        }
        let alone = OPEN.len() + self.scratch.len() + CLOSE.len();
        if alone > self.max_bytes {
            let reason = FailureReason::TooLarge { bytes: self.scratch.len(), limit: self.max_bytes };
            return Pushed::Failed(failure(Some(id), reason));
        }
        let (current, max_inputs) = match kind {
            EventKind::AppEvent => (&mut self.current_app_events, self.max_app_event_inputs),
            EventKind::Timeline => (&mut self.current, self.max_inputs),
        };
        let mut ready = None;
        if !current.items.is_empty() && current.len_bytes() + 1 + self.scratch.len() > self.max_bytes {
            ready = Some(std::mem::replace(current, Batch::new(kind)));
        }
        let event_type = match &self.last_event_type {
            Some(last) if **last == *event_type => Arc::clone(last),
            _ => self.last_event_type.insert(Arc::from(event_type)).clone(),
        };
        let item =
            Item { index, id: Arc::from(id), event_type, landed_before: input.sent_before(), account, span: 0..0 };
        current.push(item, &self.scratch);
        if current.items.len() >= max_inputs {
            debug_assert!(ready.is_none(), "a batch can only fill by count when it did not overflow by bytes");
            ready = Some(std::mem::replace(current, Batch::new(kind)));
        }
        ready.map_or(Pushed::Pending, Pushed::Ready)
    }

    /// Whether a partly filled batch is waiting for more inputs.
    pub(crate) fn is_holding(&self) -> bool {
        !self.current.items.is_empty() || !self.current_app_events.items.is_empty()
    }

    /// The partly filled batches (one per kind at most).
    pub(crate) fn finish(&mut self) -> Vec<Batch> {
        [&mut self.current, &mut self.current_app_events]
            .into_iter()
            .filter(|current| !current.items.is_empty())
            .map(|current| {
                let kind = current.kind;
                std::mem::replace(current, Batch::new(kind))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EncodedInput;
    use crate::error::EncodeError;

    /// A pre-encoded input of a given JSON text.
    struct Raw(&'static str, &'static str);

    impl EventInput for Raw {
        fn event_type(&self) -> &str {
            "1"
        }

        fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
            if self.1.is_empty() {
                return Err(EncodeError::NoTarget);
            }
            out.extend_from_slice(self.1.as_bytes());
            Ok(self.0.to_owned())
        }
    }

    fn parse(batch: &Batch) -> serde_json::Value {
        serde_json::from_slice(&batch.body()).unwrap()
    }

    #[test]
    fn chunks_by_count() {
        let mut chunker = Chunker::new(2, 1 << 20);
        assert_eq!(chunker.push(0, &Raw("a", r#"{"n":0}"#)), Pushed::Pending);
        let Pushed::Ready(full) = chunker.push(1, &Raw("b", r#"{"n":1}"#)) else { panic!("the batch is full") };
        assert_eq!(parse(&full), serde_json::json!({"inputs": [{"n": 0}, {"n": 1}]}));
        assert_eq!(chunker.push(2, &Raw("c", r#"{"n":2}"#)), Pushed::Pending);
        let last = chunker.finish().pop().unwrap();
        assert_eq!(last.items().iter().map(|item| item.index).collect::<Vec<_>>(), [2]);
        assert_eq!(chunker.finish(), []);
    }

    #[test]
    fn chunks_by_bytes() {
        let input = r#"{"n":"0123456789"}"#;
        let max_bytes = OPEN.len() + 2 * input.len() + 1 + CLOSE.len();
        let mut chunker = Chunker::new(100, max_bytes);
        let mut batches = Vec::new();
        for index in 0..5 {
            if let Pushed::Ready(batch) = chunker.push(index, &Raw("x", input)) {
                batches.push(batch);
            }
        }
        batches.extend(chunker.finish());
        assert_eq!(batches.iter().map(|batch| batch.items().len()).collect::<Vec<_>>(), [2, 2, 1]);
        for batch in &batches {
            assert!(batch.len_bytes() <= max_bytes);
            assert_eq!(batch.body().len(), batch.len_bytes());
            assert_eq!(parse(batch)["inputs"].as_array().unwrap().len(), batch.items().len());
        }
    }

    #[test]
    fn bad_and_oversized_inputs_fail_alone() {
        let mut chunker = Chunker::new(10, 40);
        let Pushed::Failed(failure) = chunker.push(0, &Raw("a", "")) else { panic!("encoding fails") };
        assert_eq!(*failure.reason, FailureReason::Encoding(EncodeError::NoTarget));
        assert_eq!(failure.id, None);
        let long = Raw("b", r#"{"n":"a long value that does not fit in forty bytes"}"#);
        let Pushed::Failed(failure) = chunker.push(1, &long) else { panic!("the input is too large") };
        assert!(matches!(*failure.reason, FailureReason::TooLarge { limit: 40, .. }), "{failure:?}");
        assert_eq!(failure.id.as_deref(), Some("b"));
        assert_eq!(chunker.push(2, &Raw("c", "{}")), Pushed::Pending);
        let batch = chunker.finish().pop().unwrap();
        assert_eq!(parse(&batch), serde_json::json!({"inputs": [{}]}));
    }

    /// `Raw`, as an app event.
    struct AppRaw(&'static str);

    impl EventInput for AppRaw {
        fn event_type(&self) -> &str {
            "app_event"
        }

        fn kind(&self) -> EventKind {
            EventKind::AppEvent
        }

        fn encode_into(&self, out: &mut Vec<u8>) -> Result<String, EncodeError> {
            out.extend_from_slice(self.0.as_bytes());
            Ok("x".to_owned())
        }
    }

    #[test]
    fn each_kind_fills_its_own_batches_to_its_own_size() {
        let mut chunker = Chunker::new(2, 1 << 20).app_event_inputs(3);
        let mut ready = Vec::new();
        for index in 0..10 {
            let pushed = if index % 2 == 0 {
                chunker.push(index, &Raw("v", r#"{"v":1}"#))
            } else {
                chunker.push(index, &AppRaw(r#"{"a":1}"#))
            };
            if let Pushed::Ready(batch) = pushed {
                ready.push(batch);
            }
        }
        ready.extend(chunker.finish());
        let shape: Vec<(EventKind, Vec<usize>)> =
            ready.iter().map(|batch| (batch.kind(), batch.items().iter().map(|item| item.index).collect())).collect();
        assert_eq!(
            shape,
            [
                (EventKind::Timeline, vec![0, 2]),
                (EventKind::AppEvent, vec![1, 3, 5]),
                (EventKind::Timeline, vec![4, 6]),
                (EventKind::Timeline, vec![8]),
                (EventKind::AppEvent, vec![7, 9]),
            ]
        );
    }

    #[test]
    fn split_keeps_the_same_input_bytes() {
        let mut chunker = Chunker::new(10, 1 << 20);
        for (index, json) in [r#"{"n":0}"#, r#"{"n":1}"#, r#"{"n":2}"#].into_iter().enumerate() {
            assert_eq!(chunker.push(index, &Raw("x", json)), Pushed::Pending);
        }
        let batch = chunker.finish().pop().unwrap();
        let (left, right) = batch.split().unwrap();
        assert_eq!(parse(&left), serde_json::json!({"inputs": [{"n": 0}]}));
        assert_eq!(parse(&right), serde_json::json!({"inputs": [{"n": 1}, {"n": 2}]}));
        assert_eq!(right.items()[1].index, 2);
        assert!(left.split().is_none());
    }

    #[test]
    fn encoded_inputs_keep_their_bytes() {
        struct Ping;
        impl crate::TimelineEvent for Ping {
            const EVENT_TYPE: &'static str = "77";
            const TOKENS: &'static [crate::TokenSpec] = &[];
            fn target(&self) -> crate::Target<'_> {
                crate::Target { object_id: Some("9".into()), ..crate::Target::default() }
            }
            fn write_tokens(&self, _: &mut crate::TokenWriter<'_>) -> Result<(), EncodeError> {
                Ok(())
            }
        }
        let encoded = EncodedInput::new(&Ping).unwrap();
        let mut chunker = Chunker::new(10, 1 << 20);
        assert_eq!(chunker.push(0, &encoded), Pushed::Pending);
        assert_eq!(chunker.push(1, &&Ping), Pushed::Pending);
        let batch = chunker.finish().pop().unwrap();
        let inputs = parse(&batch)["inputs"].clone();
        assert_eq!(inputs[0], inputs[1]);
        assert_eq!(&*batch.items()[0].id, encoded.id());
        assert_eq!(&*batch.items()[1].event_type, "77");
    }
}
