//! The check of a v3 timeline event input (`TimelineEvent` in HubSpot's
//! schema) against the event template it names.

use super::event_types::EventTypes;
use super::fields::{Fields, Problems, Words, check_target, optional_string, read_values};
use super::json::Json;
use super::{Invalid, Valid};
use crate::wire::TimelineEventInput;

/// A v3 event's words: `tokens` of an `event`.
const TOKENS: Words = Words {
    field: "tokens",
    item: "token",
    items: "tokens",
    input: "event",
    code: "TOKEN",
    kind_suffix: " token",
    numbers_as_text: true,
    calendar_dates: false,
    object_type: "customObjectTypeId",
    object_type_is_target: false,
};

/// Checks one v3 event input against the template its `eventTemplateId`
/// names in `types`, as HubSpot's batch create does: the input read into
/// the wire model (a number token as its text), or every problem found.
///
/// ```
/// use timeline_core::check::{self, EventTypes, Json};
/// let template = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
///                    "tokens": [{"name": "petAge", "label": "Age", "type": "number"}]}"#;
/// let mut types = EventTypes::new();
/// types.insert(timeline_template::definition::parse(template).unwrap()).unwrap();
///
/// let good: Json<'_> = serde_json::from_str(
///     r#"{"eventTemplateId": "1001298", "email": "ada@example.com", "tokens": {"petAge": 3}}"#,
/// ).unwrap();
/// let valid = check::timeline_event(&good, &types).unwrap();
/// assert_eq!((valid.object_type.as_str(), valid.input.tokens["petAge"].as_str()), ("contacts", "3"));
///
/// let bad: Json<'_> = serde_json::from_str(
///     r#"{"eventTemplateId": "1001298", "id": "e-1", "objectId": "5", "tokens": {"petAge": "three"}}"#,
/// ).unwrap();
/// let invalid = check::timeline_event(&bad, &types).unwrap_err();
/// assert_eq!(invalid.problems[0].in_.as_deref(), Some("tokens.petAge"));
/// assert_eq!(invalid.problems[0].code.as_deref(), Some("INVALID_TOKEN_VALUE"));
/// assert_eq!(invalid.id.as_deref(), Some("e-1"));
/// ```
pub fn timeline_event(input: &Json<'_>, types: &EventTypes) -> Result<Valid<TimelineEventInput>, Invalid> {
    let mut problems = Problems::default();
    if !matches!(input, Json::Object(_)) {
        problems.add("inputs", "INVALID_INPUT", "each input must be a JSON object");
        return Err(Invalid { id: None, problems: problems.0 });
    }
    let id = optional_string(input, "id", &mut problems);
    let template_id = match input.get("eventTemplateId") {
        Some(Json::String(template_id)) => Some(template_id.as_ref()),
        Some(_) => {
            problems.add("eventTemplateId", "INVALID_TYPE", "`eventTemplateId` must be a string such as \"1001298\"");
            None
        }
        None => {
            problems.add("eventTemplateId", "REQUIRED", "`eventTemplateId` is required");
            None
        }
    };
    let template = template_id.and_then(|template_id| {
        let template = types.template(template_id);
        if template.is_none() {
            problems.add(
                "eventTemplateId",
                "UNKNOWN_TEMPLATE",
                format!("event template {template_id} does not exist in this app; create it first or fix the id"),
            );
        }
        template
    });

    let tokens = read_values(&TOKENS, input.get("tokens"), template, &mut problems);
    let fields = Fields::read(&TOKENS, input, &mut problems);
    if id.as_deref().is_some_and(|id| id.trim().is_empty()) {
        problems.add("id", "INVALID_ID", "`id` must not be empty; leave it out to have one generated");
    }
    fields.check(&TOKENS, &mut problems);
    if let Some(template) = template {
        check_target(&TOKENS, template, fields.given(), &mut problems);
    }

    match (template, tokens) {
        (Some(template), Some(tokens)) if problems.is_empty() => Ok(Valid::of(
            TimelineEventInput {
                event_template_id: template.event_type().to_owned(),
                id,
                tokens,
                object_id: fields.object_id,
                email: fields.email,
                utk: fields.utk,
                domain: fields.domain,
                timestamp: fields.timestamp,
                extra_data: fields.extra_data,
                timeline_i_frame: fields.timeline_i_frame,
                custom_object_type_id: fields.object_type,
            },
            template,
        )),
        _ => Err(Invalid { id, problems: problems.0 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_tokens_may_be_numbers_and_deal_templates_want_an_object_id() {
        let mut types = EventTypes::new();
        let template = r#"{"id": "9", "name": "Deal", "objectType": "deals",
            "tokens": [{"name": "amount", "label": "Amount", "type": "number"}, {"name": "on", "label": "On", "type": "date"}]}"#;
        types.insert(timeline_template::definition::parse(template).unwrap()).unwrap();
        let check = |text: &str| timeline_event(&serde_json::from_str(text).unwrap(), &types);
        let valid = check(r#"{"eventTemplateId": "9", "objectId": "5", "tokens": {"amount": 12.5}}"#).unwrap();
        assert_eq!((valid.input.tokens["amount"].as_str(), valid.object_type.as_str()), ("12.5", "deals"));
        let invalid =
            check(r#"{"eventTemplateId": "9", "email": "a@b.co", "tokens": {"on": "2026-05-04"}}"#).unwrap_err();
        let messages: Vec<&str> = invalid.problems.iter().map(|problem| problem.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "token `on` is a date token and takes epoch milliseconds such as \"1777886100000\"; got \"2026-05-04\"",
                "`email` only identifies contacts, but template 9 is on `deals`; send `objectId` instead",
                "template 9 is on `deals`; the event needs an `objectId`",
            ]
        );
        assert_eq!(invalid.id, None);
        let not_an_object = check("[1]").unwrap_err();
        assert_eq!(not_an_object.problems[0].in_.as_deref(), Some("inputs"));
    }
}
