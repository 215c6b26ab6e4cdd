//! Checks one event input against the template it names, the way HubSpot
//! does, and says what to fix.

use std::collections::BTreeMap;

use timeline_core::TokenKind;
use timeline_core::wire::{
    ErrorDetail, StandardError, TimelineEventIFrame, TimelineEventInput, TimelineEventTemplate,
    TimelineEventTemplateTokenOption,
};

use crate::json::{Json, to_map};
use crate::templates::TemplateStore;

/// An input that cannot be stored, with every problem found in it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invalid {
    /// The input's `id`, when it has a string one.
    pub(crate) id: Option<String>,
    /// One detail per problem, each saying where (`in`) and what to do.
    pub(crate) problems: Vec<ErrorDetail>,
}

impl Invalid {
    /// The problems as one sentence.
    pub(crate) fn message(&self) -> String {
        self.problems.iter().map(|problem| problem.message.as_str()).collect::<Vec<_>>().join("; ")
    }

    /// The `context` of HubSpot's errors: the input's id, when it has one.
    pub(crate) fn context(&self) -> BTreeMap<String, Vec<String>> {
        self.id.iter().map(|id| ("id".to_owned(), vec![id.clone()])).collect()
    }

    /// The per-input error of a 207 answer.
    pub(crate) fn into_standard_error(self) -> StandardError {
        let mut error = StandardError::default();
        error.status = "error".to_owned();
        error.category = "VALIDATION_ERROR".to_owned();
        error.message = self.message();
        error.context = self.context();
        error.errors = self.problems;
        error
    }
}

/// A valid input and the object type of its template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValidInput {
    /// The input, read into the wire model.
    pub(crate) event: TimelineEventInput,
    /// The template's object type, such as `contacts`.
    pub(crate) object_type: String,
}

/// Collects the problems of one input.
pub(crate) struct Problems(pub(crate) Vec<ErrorDetail>);

impl Problems {
    pub(crate) fn add(&mut self, location: impl Into<String>, code: &str, message: impl Into<String>) {
        let mut problem = ErrorDetail::new(message);
        problem.code = Some(code.to_owned());
        problem.in_ = Some(location.into());
        self.0.push(problem);
    }
}

/// Checks `input` against the template it names in `templates`.
pub(crate) fn validate(input: &Json<'_>, templates: &TemplateStore) -> Result<ValidInput, Invalid> {
    let mut problems = Problems(Vec::new());
    if !matches!(input, Json::Object(_)) {
        problems.add("inputs", "INVALID_INPUT", "each input must be a JSON object");
        return Err(Invalid { id: None, problems: problems.0 });
    }
    let id = optional_string(input, "id", &mut problems);
    let invalid = |problems: Problems| Invalid { id: id.clone(), problems: problems.0 };

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
        let template = templates.get(template_id);
        if template.is_none() {
            problems.add(
                "eventTemplateId",
                "UNKNOWN_TEMPLATE",
                format!("event template {template_id} does not exist in this app; create it first or fix the id"),
            );
        }
        template
    });

    let tokens = read_tokens(input.get("tokens"), template, &mut problems);
    let object_id = optional_string(input, "objectId", &mut problems);
    let email = optional_string(input, "email", &mut problems);
    let utk = optional_string(input, "utk", &mut problems);
    let domain = optional_string(input, "domain", &mut problems);
    let custom_object_type_id = optional_string(input, "customObjectTypeId", &mut problems);
    let timestamp = read_timestamp(input.get("timestamp"), &mut problems);
    let extra_data = read_extra_data(input.get("extraData"), &mut problems);
    let iframe = read_iframe(input.get("timelineIFrame"), &mut problems);
    if let Some(id) = &id
        && id.trim().is_empty()
    {
        problems.add("id", "INVALID_ID", "`id` must not be empty; leave it out to have one generated");
    }
    for (value, name) in [(&object_id, "objectId"), (&utk, "utk")] {
        if value.as_deref().is_some_and(|value| value.trim().is_empty()) {
            problems.add(name, "EMPTY_TARGET", format!("`{name}` must not be empty; leave it out instead"));
        }
    }
    if let Some(email) = &email
        && !is_email(email)
    {
        problems.add("email", "INVALID_EMAIL", format!("`{email}` is not a valid email address"));
    }
    if let Some(template) = template {
        check_target(template, object_id.is_some(), email.is_some(), utk.is_some(), &mut problems);
    }

    if !problems.0.is_empty() {
        return Err(invalid(problems));
    }
    let (Some(template), Some(tokens)) = (template, tokens) else {
        return Err(invalid(problems));
    };
    let event = TimelineEventInput {
        event_template_id: template.id.clone(),
        id,
        tokens,
        object_id,
        email,
        utk,
        domain,
        timestamp,
        extra_data,
        timeline_i_frame: iframe,
        custom_object_type_id,
    };
    Ok(ValidInput { event, object_type: template.object_type.clone() })
}

/// Reads an optional string field, noting a value of another type.
pub(crate) fn optional_string(fields: &Json<'_>, name: &str, problems: &mut Problems) -> Option<String> {
    match fields.get(name) {
        None | Some(Json::Null) => None,
        Some(Json::String(text)) => Some(text.as_ref().to_owned()),
        Some(other) => {
            problems.add(name, "INVALID_TYPE", format!("`{name}` must be a JSON string, not {}", other.kind()));
            None
        }
    }
}

/// Reads the `tokens` object and checks every value against the template.
fn read_tokens(
    tokens: Option<&Json<'_>>,
    template: Option<&TimelineEventTemplate>,
    problems: &mut Problems,
) -> Option<BTreeMap<String, String>> {
    let tokens = match tokens {
        Some(Json::Object(tokens)) => tokens,
        Some(_) => {
            problems.add("tokens", "INVALID_TYPE", "`tokens` must be a JSON object of token names to string values");
            return None;
        }
        None => {
            problems.add("tokens", "REQUIRED", "`tokens` is required; send {} for an event without tokens");
            return None;
        }
    };
    // In name order, a name sent twice keeping its last value, as a `serde_json::Map` reads them.
    let tokens: BTreeMap<&str, &Json<'_>> = tokens.iter().map(|(name, value)| (name.as_ref(), value)).collect();
    let mut values = BTreeMap::new();
    for (name, value) in tokens {
        let location = format!("tokens.{name}");
        let text = match value {
            Json::String(text) => text.as_ref().to_owned(),
            // HubSpot's own batch example sends a number token as a JSON
            // number and gets its text back, so numbers are taken as text.
            Json::Number(number) => number.to_string(),
            other => {
                problems.add(
                    &location,
                    "INVALID_TOKEN_TYPE",
                    format!(
                        "token `{name}` must be a JSON string, not {}; send it as \"{}\"",
                        other.kind(),
                        unquoted(other)
                    ),
                );
                continue;
            }
        };
        if let Some(template) = template {
            match template.tokens.iter().find(|token| token.name == name) {
                None => {
                    let known: Vec<&str> = template.tokens.iter().map(|token| token.name.as_str()).collect();
                    problems.add(
                        &location,
                        "UNKNOWN_TOKEN",
                        format!(
                            "template {} has no token `{name}`; its tokens are: {}",
                            template.id,
                            if known.is_empty() { "(none)".to_owned() } else { known.join(", ") }
                        ),
                    );
                }
                Some(token) => {
                    if let Err(message) = check_value(name, token.kind, &text, &token.options) {
                        problems.add(&location, "INVALID_TOKEN_VALUE", message);
                    }
                }
            }
        }
        values.insert(name.to_owned(), text);
    }
    Some(values)
}

/// Checks a token's text against its kind.
fn check_value(
    name: &str,
    kind: TokenKind,
    text: &str,
    options: &[TimelineEventTemplateTokenOption],
) -> Result<(), String> {
    match kind {
        TokenKind::String => Ok(()),
        TokenKind::Number => match text.parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(()),
            _ => Err(format!("token `{name}` is a number token; \"{text}\" is not a decimal number such as \"412.5\"")),
        },
        TokenKind::Date => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && text.parse::<i64>().is_ok() {
                Ok(())
            } else {
                Err(format!(
                    "token `{name}` is a date token and takes epoch milliseconds such as \"1777886100000\"; got \"{text}\""
                ))
            }
        }
        TokenKind::Enumeration => {
            if options.iter().any(|option| option.value == text) {
                Ok(())
            } else {
                let values: Vec<&str> = options.iter().map(|option| option.value.as_str()).collect();
                Err(format!(
                    "token `{name}` has value \"{text}\", which is not one of its options: {}",
                    values.join(", ")
                ))
            }
        }
    }
}

/// Checks that the input names a record the template's object type allows.
fn check_target(template: &TimelineEventTemplate, object_id: bool, email: bool, utk: bool, problems: &mut Problems) {
    let contacts = is_contact_type(&template.object_type);
    if !contacts {
        for (present, field) in [(email, "email"), (utk, "utk")] {
            if present {
                problems.add(
                    field,
                    "TARGET_NOT_ALLOWED",
                    format!(
                        "`{field}` only identifies contacts, but template {} is on `{}`; send `objectId` instead",
                        template.id, template.object_type
                    ),
                );
            }
        }
        if !object_id {
            problems.add(
                "objectId",
                "MISSING_TARGET",
                format!("template {} is on `{}`; the event needs an `objectId`", template.id, template.object_type),
            );
        }
    } else if !(object_id || email || utk) {
        problems.add(
            "objectId",
            "MISSING_TARGET",
            "the event names no record: send `objectId`, `email` or `utk` to say which contact it goes on",
        );
    }
}

/// Whether an object type names contacts.
pub(crate) fn is_contact_type(object_type: &str) -> bool {
    ["contacts", "contact", "0-1"].iter().any(|name| object_type.eq_ignore_ascii_case(name))
}

/// Reads an optional RFC 3339 timestamp.
pub(crate) fn read_timestamp(
    value: Option<&Json<'_>>,
    problems: &mut Problems,
) -> Option<chrono::DateTime<chrono::Utc>> {
    match value {
        None | Some(Json::Null) => None,
        Some(Json::String(text)) => {
            match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(at) => Some(at.to_utc()),
                Err(_) => {
                    problems.add(
                    "timestamp",
                    "INVALID_TIMESTAMP",
                    format!("`timestamp` must be an RFC 3339 date-time such as \"2026-05-04T09:15:00.000Z\"; got \"{text}\""),
                );
                    None
                }
            }
        }
        Some(other) => {
            problems.add("timestamp", "INVALID_TYPE", format!("`timestamp` must be a string, not {}", other.kind()));
            None
        }
    }
}

/// Reads an optional `extraData`: absent, `null`, or a JSON object.
pub(crate) fn read_extra_data(
    value: Option<&Json<'_>>,
    problems: &mut Problems,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    match value {
        None | Some(Json::Null) => None,
        Some(Json::Object(extra)) => Some(to_map(extra)),
        Some(_) => {
            problems.add("extraData", "INVALID_TYPE", "`extraData` must be a JSON object");
            None
        }
    }
}

/// Reads an optional `timelineIFrame`, which needs all five of its fields.
pub(crate) fn read_iframe(value: Option<&Json<'_>>, problems: &mut Problems) -> Option<TimelineEventIFrame> {
    let fields = match value {
        None | Some(Json::Null) => return None,
        Some(fields @ Json::Object(_)) => fields,
        Some(_) => {
            problems.add("timelineIFrame", "INVALID_TYPE", "`timelineIFrame` must be a JSON object");
            return None;
        }
    };
    let before = problems.0.len();
    for name in ["linkLabel", "headerLabel", "url"] {
        match fields.get(name) {
            Some(Json::String(text)) if !text.trim().is_empty() => {}
            _ => problems.add(
                format!("timelineIFrame.{name}"),
                "INCOMPLETE_IFRAME",
                format!("`timelineIFrame.{name}` is required and must be a non-empty string"),
            ),
        }
    }
    for name in ["width", "height"] {
        match fields.get(name).and_then(Json::as_i64) {
            Some(pixels) if pixels > 0 && i32::try_from(pixels).is_ok() => {}
            _ => problems.add(
                format!("timelineIFrame.{name}"),
                "INCOMPLETE_IFRAME",
                format!("`timelineIFrame.{name}` is required and must be a positive whole number of pixels"),
            ),
        }
    }
    if problems.0.len() > before {
        return None;
    }
    serde_json::from_value(fields.to_value()).ok()
}

/// A plain check of an email address: one `@`, a local part, a dotted domain, no spaces.
pub(crate) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

/// A scalar's text without JSON quotes, for "send it as" hints.
pub(crate) fn unquoted(value: &Json<'_>) -> String {
    match value {
        Json::String(text) => text.as_ref().to_owned(),
        Json::Number(number) => number.to_string(),
        Json::Bool(flag) => flag.to_string(),
        _ => "…".to_owned(),
    }
}
