//! [`Migration`]: the events of one v3 event template sent as occurrences
//! of the app-event type `timeline migrate` made from it.
//!
//! A v3 input becomes an [`AppEventOccurrence`] of the definition's `uid`:
//! each token becomes the property [`property_name`] names (the rule
//! `timeline migrate` writes the definition by), and the target (`objectId`,
//! `email`, `utk`, `domain`), `timestamp`, `extraData` and `timelineIFrame`
//! are carried as they are. The id is the input's own, or else the one the
//! library derives for the v3 event (see [`event_id`](crate::event_id)), so
//! the event keeps the id a caller knows it by, and a retry is the same
//! occurrence. An input the app-event type cannot take (a token with no
//! property, a value its property refuses, a target it does not allow) is
//! [`Invalid`], with HubSpot-shaped problems, before anything is sent.

use serde_json::Value;
use timeline_template::migration::property_name;
use timeline_template::{Definition, Origin};

use crate::AccountId;
use crate::check::{self, EventTypes, Invalid, Json};
use crate::id::{DerivedId, check_event_id};
use crate::target::Target;
use crate::wire::{AppEventOccurrence, ErrorDetail, TimelineEventInput};

/// The events of v3 template [`template_id`](Self::template_id) sent as
/// occurrences of an app-event type.
///
/// A v3 input becomes an [`AppEventOccurrence`] of the definition's `uid`:
/// each token becomes the property [`property_name`] names (the rule
/// `timeline migrate` writes the definition by); the target, `timestamp`,
/// `extraData` and `timelineIFrame` are carried as they are; the id is the
/// input's own, or else the one the library derives for the v3 event. An
/// input the app-event type cannot take is [`Invalid`], before anything is
/// sent.
///
/// ```
/// use timeline_core::Migration;
/// use timeline_core::wire::TimelineEventInput;
///
/// let definition = timeline_template::definition::parse(
///     r#"{"uid": "pet_adopted", "type": "app-event",
///         "config": {"name": "Pet adopted", "objectType": "CONTACT",
///                    "properties": [{"name": "petName", "label": "Name", "type": "string"}]}}"#,
/// )
/// .unwrap();
/// let migration = Migration::new("1001298", definition).unwrap();
/// let input: TimelineEventInput = serde_json::from_str(
///     r#"{"eventTemplateId": "1001298", "id": "adoption-1", "email": "ada@example.com",
///         "tokens": {"petName": "Rex"}}"#,
/// )
/// .unwrap();
/// let occurrence = migration.occurrence(&input, None).unwrap();
/// assert_eq!(occurrence.event_type_name, "pet_adopted");
/// assert_eq!((occurrence.id.as_str(), occurrence.properties["petName"].as_str()), ("adoption-1", "Rex"));
///
/// let mut unknown = input.clone();
/// unknown.tokens.insert("petAge".into(), "3".into());
/// let invalid = migration.occurrence(&unknown, None).unwrap_err();
/// assert_eq!(invalid.problems[0].in_.as_deref(), Some("tokens.petAge"));
/// ```
#[derive(Debug, Clone)]
pub struct Migration {
    template_id: String,
    /// The app-event type, alone, for [`check::app_event`].
    types: EventTypes,
    definition: Definition,
}

impl Migration {
    /// The events of template `template_id` (ASCII digits) sent as
    /// occurrences of the app-event type `definition` (an app-event
    /// definition, such as `timeline migrate` writes), which must follow
    /// HubSpot's rules ([`timeline_template::rules`]); the error says what
    /// is wrong.
    pub fn new(template_id: impl Into<String>, definition: Definition) -> Result<Self, String> {
        let template_id = template_id.into();
        if template_id.is_empty() || !template_id.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(format!("{template_id:?} is not a v3 event template id (ASCII digits)"));
        }
        if let Origin::EventTemplate { id } = &definition.origin {
            return Err(format!(
                "template {template_id} can only move to an app-event definition, but the one given is v3 template \
                 {id}; write one with `timeline migrate`"
            ));
        }
        let mut types = EventTypes::new();
        types.insert(definition.clone()).map_err(|problem| format!("template {template_id}'s app event: {problem}"))?;
        Ok(Migration { template_id, types, definition })
    }

    /// The v3 event template id whose events move.
    pub fn template_id(&self) -> &str {
        &self.template_id
    }

    /// The app-event type they are sent as: its `uid`.
    pub fn event_type_name(&self) -> &str {
        self.definition.event_type()
    }

    /// The app-event definition.
    pub fn definition(&self) -> &Definition {
        &self.definition
    }

    /// The occurrence `input` (a v3 event input of this template) is sent
    /// as, for `account` when known (an id derived for an input without
    /// one includes it, as an [`App`](crate::App)'s account client derives
    /// it); every problem when the app-event type cannot take it.
    pub fn occurrence(
        &self,
        input: &TimelineEventInput,
        account: Option<AccountId>,
    ) -> Result<AppEventOccurrence, Invalid> {
        let id = match &input.id {
            Some(id) => {
                if let Err(error) = check_event_id(id) {
                    return Err(Invalid {
                        id: Some(id.clone()),
                        problems: vec![problem("id", "INVALID_ID", error.to_string())],
                    });
                }
                id.clone()
            }
            None => self.derived_id(input, account),
        };
        let mut problems = Vec::new();
        if input.event_template_id != self.template_id {
            problems.push(problem(
                "eventTemplateId",
                "OTHER_TEMPLATE",
                format!(
                    "the event is of template {}, but this migration moves template {}",
                    input.event_template_id, self.template_id
                ),
            ));
        }
        if input.custom_object_type_id.is_some() {
            problems.push(problem(
                "customObjectTypeId",
                "UNKNOWN_FIELD",
                format!("`customObjectTypeId` has no place in an occurrence of app event {}", self.event_type_name()),
            ));
        }
        let mut occurrence = AppEventOccurrence::new(self.event_type_name(), id.clone());
        for (token, value) in &input.tokens {
            let property = property_name(token);
            if self.definition.tokens.iter().any(|known| known.name == property) {
                occurrence.properties.insert(property.to_owned(), value.clone());
            } else {
                problems.push(problem(
                    &format!("tokens.{token}"),
                    "UNKNOWN_PROPERTY",
                    format!(
                        "token `{token}` of template {} has no property `{property}` in app event {}, which the \
                         template's events are sent as; its properties are: {}",
                        self.template_id,
                        self.event_type_name(),
                        self.property_names()
                    ),
                ));
            }
        }
        occurrence.object_id = input.object_id.clone();
        occurrence.email = input.email.clone();
        occurrence.utk = input.utk.clone();
        occurrence.domain = input.domain.clone();
        occurrence.timestamp = input.timestamp;
        occurrence.extra_data = input.extra_data.clone();
        occurrence.timeline_i_frame = input.timeline_i_frame.clone();
        let text = serde_json::to_string(&occurrence).expect("an occurrence always serializes");
        let json: Json<'_> = serde_json::from_str(&text).expect("an occurrence serializes to JSON");
        if let Err(invalid) = check::app_event(&json, &self.types) {
            problems.extend(invalid.problems.into_iter().map(in_tokens));
        }
        if problems.is_empty() { Ok(occurrence) } else { Err(Invalid { id: Some(id), problems }) }
    }

    /// [`occurrence`](Self::occurrence) of an encoded v3 input (as the
    /// library's encoder writes it), appended to `out` as JSON; gives its id.
    /// On error nothing is appended.
    pub fn encode_occurrence(
        &self,
        input: &[u8],
        account: Option<AccountId>,
        out: &mut Vec<u8>,
    ) -> Result<String, Invalid> {
        let input: TimelineEventInput = serde_json::from_slice(input).map_err(|error| Invalid {
            id: None,
            problems: vec![problem("", "INVALID_INPUT", format!("the input is not a v3 event input: {error}"))],
        })?;
        let occurrence = self.occurrence(&input, account)?;
        serde_json::to_writer(&mut *out, &occurrence).expect("an occurrence always serializes");
        Ok(occurrence.id)
    }

    /// The id the library derives for `input`, a v3 event without one.
    fn derived_id(&self, input: &TimelineEventInput, account: Option<AccountId>) -> String {
        let target = Target {
            object_id: input.object_id.as_deref().map(Into::into),
            email: input.email.as_deref().map(Into::into),
            utk: input.utk.as_deref().map(Into::into),
            domain: input.domain.as_deref().map(Into::into),
            object_type: None,
        };
        let mut id = DerivedId::new(&input.event_template_id, &target, input.timestamp);
        if let Some(account) = account {
            id.account(account);
        }
        for (name, text) in &input.tokens {
            id.token(name, text);
        }
        let extra_data = input.extra_data.clone().map(Value::Object);
        let iframe = input.timeline_i_frame.as_ref().map(crate::id::iframe_value);
        id.finish(extra_data.as_ref(), iframe.as_ref())
    }

    /// The definition's property names, for messages.
    fn property_names(&self) -> String {
        let names: Vec<&str> = self.definition.tokens.iter().map(|token| token.name.as_str()).collect();
        if names.is_empty() { "(none)".to_owned() } else { names.join(", ") }
    }
}

/// A problem at `field`.
fn problem(field: &str, code: &str, message: String) -> ErrorDetail {
    let mut detail = ErrorDetail::new(message);
    detail.code = Some(code.to_owned());
    detail.in_ = (!field.is_empty()).then(|| field.to_owned());
    detail
}

/// A problem of a property, located at the token it came from.
fn in_tokens(mut detail: ErrorDetail) -> ErrorDetail {
    if let Some(property) = detail.in_.as_deref().and_then(|at| at.strip_prefix("properties.")) {
        detail.in_ = Some(format!("tokens.{property}"));
    }
    detail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventKind, InputFields};

    const PET: &str = r#"{"uid": "pet_adopted", "type": "app-event", "config": {"name": "Pet adopted",
        "objectType": "CONTACT", "properties": [
            {"name": "petName", "label": "Name", "type": "string"},
            {"name": "petAge", "label": "Age", "type": "number"},
            {"name": "breed", "label": "Breed", "type": "enumeration", "options": [{"value": "beagle"}]}]}}"#;

    fn migration() -> Migration {
        Migration::new("1001298", timeline_template::definition::parse(PET).unwrap()).unwrap()
    }

    fn input(json: &str) -> TimelineEventInput {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_part_of_the_input_is_carried() {
        let v3 = input(
            r#"{"eventTemplateId": "1001298", "id": "a-1", "objectId": "51", "utk": "u", "domain": "d.com",
                "timestamp": "2026-05-04T09:15:00Z", "tokens": {"petName": "Rex", "petAge": "3"},
                "extraData": {"vet": {"name": "Dr. Who"}},
                "timelineIFrame": {"linkLabel": "l", "headerLabel": "h", "url": "https://x", "width": 4, "height": 5}}"#,
        );
        let occurrence = migration().occurrence(&v3, Some(AccountId::new(101))).unwrap();
        let json = serde_json::to_value(&occurrence).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"eventTypeName": "pet_adopted", "id": "a-1", "objectId": "51", "utk": "u",
                "domain": "d.com", "timestamp": "2026-05-04T09:15:00.000Z",
                "properties": {"petName": "Rex", "petAge": "3"}, "extraData": {"vet": {"name": "Dr. Who"}},
                "timelineIFrame": {"linkLabel": "l", "headerLabel": "h", "url": "https://x", "width": 4, "height": 5}})
        );
    }

    #[test]
    fn an_input_without_an_id_keeps_the_id_the_library_derives_for_it() {
        let v3 = input(r#"{"eventTemplateId": "1001298", "objectId": "51", "tokens": {"petName": "Rex"}}"#);
        let fields = InputFields {
            kind: EventKind::Timeline,
            event_type: "1001298".to_owned(),
            tokens: vec![("petName".to_owned(), "Rex".to_owned())],
            target: Target { object_id: Some("51".into()), ..Target::default() },
            ..InputFields::default()
        };
        for account in [None, Some(AccountId::new(101))] {
            let expected = fields.encode(account, &mut Vec::new()).unwrap();
            assert_eq!(migration().occurrence(&v3, account).unwrap().id, expected);
        }
    }

    #[test]
    fn what_the_app_event_cannot_take_is_invalid_with_every_problem() {
        let v3 = input(
            r#"{"eventTemplateId": "1001298", "id": "a-2", "objectId": "51",
                "tokens": {"petNme": "Rex", "petAge": "three", "breed": "poodle"}}"#,
        );
        let invalid = migration().occurrence(&v3, None).unwrap_err();
        assert_eq!(invalid.id.as_deref(), Some("a-2"));
        let places: Vec<_> = invalid.problems.iter().map(|problem| problem.in_.as_deref().unwrap_or("")).collect();
        assert_eq!(places, ["tokens.petNme", "tokens.breed", "tokens.petAge"], "{invalid:?}");
        assert!(
            invalid.message().contains("token `petNme` of template 1001298 has no property `petNme`"),
            "{}",
            invalid.message()
        );

        let other = input(r#"{"eventTemplateId": "7", "id": "a-3", "objectId": "51", "tokens": {}}"#);
        assert!(migration().occurrence(&other, None).unwrap_err().message().contains("of template 7"));
    }

    #[test]
    fn only_valid_app_event_definitions_are_taken() {
        let template = timeline_template::definition::parse(r#"{"id": "7", "name": "T", "objectType": "contacts"}"#);
        assert!(Migration::new("7", template.unwrap()).unwrap_err().contains("timeline migrate"));
        let definition = timeline_template::definition::parse(PET).unwrap();
        assert!(Migration::new("x7", definition.clone()).unwrap_err().contains("ASCII digits"));
        let mut twice = definition;
        twice.tokens.push(twice.tokens[0].clone());
        assert!(Migration::new("7", twice).unwrap_err().contains("defined twice"));
    }
}
