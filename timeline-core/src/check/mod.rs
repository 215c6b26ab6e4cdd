//! Event inputs checked against the definition of the event type they
//! name, as HubSpot checks them: one check, shared by the sandbox (which
//! answers with it), the command line's dry run and the relay (which
//! refuse what HubSpot would refuse before anything is sent).
//!
//! - [`EventTypes`] holds the definitions ([`timeline_template::Definition`]):
//!   event templates by id, app-event types by `uid` (and other names).
//! - [`timeline_event`] checks a v3 event input, [`app_event`] an
//!   app-event occurrence and [`app_event_batch`] a request's occurrences
//!   together. Each input comes out [`Valid`] (read into the
//!   [`wire`](crate::wire) model) or [`Invalid`], with one
//!   [`ErrorDetail`] per problem in HubSpot's words: where (`in`, such as
//!   `tokens.petAge`), a code and what to do.
//! - The answers are built from them: [`Invalid::into_standard_error`] is
//!   an entry of a v3 batch's 207, [`app_event_refusal`] the 400 of an
//!   app-event request.
//!
//! Inputs are read as [`Json`], which borrows its strings from the body.
//!
//! ```
//! use timeline_core::check::{self, EventTypes, Json};
//!
//! let template = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
//!                    "tokens": [{"name": "petName", "label": "Name", "type": "string"}]}"#;
//! let mut types = EventTypes::new();
//! types.insert(timeline_template::definition::parse(template).unwrap()).unwrap();
//!
//! let body = br#"{"inputs": [
//!     {"eventTemplateId": "1001298", "id": "a-1", "email": "ada@example.com", "tokens": {"petName": "Rex"}},
//!     {"eventTemplateId": "1001298", "id": "a-2", "email": "ada@example.com", "tokens": {"petNme": "Rex"}}
//! ]}"#;
//! let batch: Json<'_> = serde_json::from_slice(body).unwrap();
//! let Some(Json::Array(inputs)) = batch.get("inputs") else { panic!("a batch") };
//! let (mut valid, mut errors) = (Vec::new(), Vec::new());
//! for input in inputs {
//!     match check::timeline_event(input, &types) {
//!         Ok(checked) => valid.push(checked.input),
//!         Err(invalid) => errors.push(invalid.into_standard_error()),
//!     }
//! }
//! assert_eq!(valid[0].id.as_deref(), Some("a-1"));
//! assert_eq!(errors[0].context["id"], ["a-2"]);
//! assert_eq!(errors[0].errors[0].code.as_deref(), Some("UNKNOWN_TOKEN"));
//! ```

mod app_event;
mod event_types;
mod fields;
mod json;
mod timeline;

#[cfg(feature = "client")]
pub(crate) use fields::{Misfit, misfit};

use std::collections::BTreeMap;

pub use app_event::{APP_EVENT_FIELDS, app_event, app_event_batch, app_event_refusal};
pub use event_types::EventTypes;
pub use json::Json;
pub use timeline::timeline_event;

use crate::wire::{ErrorDetail, StandardError};

/// HubSpot's message for a v3 event whose id another event of its
/// template holds, with other content.
pub const ID_IN_USE: &str = "Event ID already in use, please choose a new unique ID";

/// An input that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Valid<T> {
    /// The input, read into the wire model.
    pub input: T,
    /// Its event type: the template id, or the app-event type's `uid`
    /// (whatever name the input gave it).
    pub event_type: String,
    /// The object type of the records it goes on, as its definition says
    /// (such as `contacts`).
    pub object_type: String,
}

impl<T> Valid<T> {
    /// `input`, of the event type `definition` defines.
    fn of(input: T, definition: &timeline_template::Definition) -> Self {
        Valid { input, event_type: definition.event_type().to_owned(), object_type: definition.object_type.clone() }
    }
}

/// An input that HubSpot would not store, with every problem found in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The input's `id`, when it has a string one.
    pub id: Option<String>,
    /// One detail per problem, each saying where (`in`, relative to the
    /// input) and what to do.
    pub problems: Vec<ErrorDetail>,
}

impl Invalid {
    /// The problems as one sentence.
    pub fn message(&self) -> String {
        self.problems.iter().map(|problem| problem.message.as_str()).collect::<Vec<_>>().join("; ")
    }

    /// The `context` of HubSpot's errors: the input's id, when it has one.
    pub fn context(&self) -> BTreeMap<String, Vec<String>> {
        self.id.iter().map(|id| ("id".to_owned(), vec![id.clone()])).collect()
    }

    /// The per-input error of a v3 batch's 207 (category `VALIDATION_ERROR`).
    pub fn into_standard_error(self) -> StandardError {
        StandardError {
            status: "error".to_owned(),
            category: "VALIDATION_ERROR".to_owned(),
            message: self.message(),
            context: self.context(),
            errors: self.problems,
            ..StandardError::default()
        }
    }
}

/// Whether a request carried one input (its body the input) or a batch
/// (`{"inputs": [...]}`), which decides where an answer locates a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One input.
    Single,
    /// A batch of inputs.
    Batch,
}

impl Shape {
    /// Where `field` of the input at `index` is, in an error detail's `in`:
    /// the field itself for a single input, `inputs[index].field` in a batch.
    ///
    /// ```
    /// use timeline_core::check::Shape;
    /// assert_eq!(Shape::Batch.location(2, "id"), "inputs[2].id");
    /// assert_eq!(Shape::Batch.location(2, ""), "inputs[2]");
    /// assert_eq!(Shape::Single.location(0, "id"), "id");
    /// ```
    pub fn location(self, index: usize, field: &str) -> String {
        match (self, field) {
            (Shape::Single, _) => field.to_owned(),
            (Shape::Batch, "") => format!("inputs[{index}]"),
            (Shape::Batch, _) => format!("inputs[{index}].{field}"),
        }
    }
}
