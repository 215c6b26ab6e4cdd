//! The checks both kinds of input share: their fields, their values
//! against the definition's tokens or properties, and their target record.

use std::collections::BTreeMap;

use timeline_template::definition::object_type_to_app_event;
use timeline_template::{Definition, Origin, Token, TokenKind};

use super::json::{Json, to_map};
use crate::wire::{ErrorDetail, TimelineEventIFrame};

/// Collects the problems of one input.
#[derive(Debug, Default)]
pub(crate) struct Problems(pub(crate) Vec<ErrorDetail>);

impl Problems {
    /// Notes a problem at `location` (the detail's `in`) with its `code`.
    pub(crate) fn add(&mut self, location: impl Into<String>, code: &str, message: impl Into<String>) {
        let mut problem = ErrorDetail::new(message);
        problem.code = Some(code.to_owned());
        problem.in_ = Some(location.into());
        self.0.push(problem);
    }

    /// Whether none was noted.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How one kind of input names what it carries, in its messages and codes.
pub(crate) struct Words {
    /// The member holding the values: `tokens` or `properties`.
    pub(crate) field: &'static str,
    /// One value: `token` or `property`.
    pub(crate) item: &'static str,
    /// What the definition calls its values in a list: `tokens` or `properties`.
    pub(crate) items: &'static str,
    /// The input: `event` or `occurrence`.
    pub(crate) input: &'static str,
    /// The middle of the codes: `TOKEN` or `PROPERTY`.
    pub(crate) code: &'static str,
    /// What follows a kind's name: ` token` (a number token) or nothing.
    pub(crate) kind_suffix: &'static str,
    /// Whether a JSON number is taken as its text (HubSpot's v3 batch example
    /// sends number tokens as numbers).
    pub(crate) numbers_as_text: bool,
    /// Whether a date also takes `YYYY-MM-DD` and RFC 3339 date-times.
    pub(crate) calendar_dates: bool,
    /// The input's own string field naming an object type:
    /// `customObjectTypeId` or `objectTypeFullyQualifiedName`.
    pub(crate) object_type: &'static str,
    /// Whether that field is part of the target (read after `objectId` and
    /// never empty), as an app event's is.
    pub(crate) object_type_is_target: bool,
}

/// The fields both kinds of input carry besides their type, id and values.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    pub(crate) object_id: Option<String>,
    /// The field [`Words::object_type`] names.
    pub(crate) object_type: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) utk: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) timestamp: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) extra_data: Option<serde_json::Map<String, serde_json::Value>>,
    pub(crate) timeline_i_frame: Option<TimelineEventIFrame>,
}

impl Fields {
    /// Reads them, in the order HubSpot reports their problems.
    pub(crate) fn read(words: &Words, input: &Json<'_>, problems: &mut Problems) -> Fields {
        let mut fields = Fields { object_id: optional_string(input, "objectId", problems), ..Fields::default() };
        if words.object_type_is_target {
            fields.object_type = optional_string(input, words.object_type, problems);
        }
        fields.email = optional_string(input, "email", problems);
        fields.utk = optional_string(input, "utk", problems);
        fields.domain = optional_string(input, "domain", problems);
        if !words.object_type_is_target {
            fields.object_type = optional_string(input, words.object_type, problems);
        }
        fields.timestamp = read_timestamp(input.get("timestamp"), problems);
        fields.extra_data = read_extra_data(input.get("extraData"), problems);
        fields.timeline_i_frame = read_iframe(input.get("timelineIFrame"), problems);
        fields
    }

    /// Notes a target field sent empty and an email that is not one.
    pub(crate) fn check(&self, words: &Words, problems: &mut Problems) {
        let mut targets = vec![(&self.object_id, "objectId"), (&self.utk, "utk")];
        if words.object_type_is_target {
            targets.push((&self.object_type, words.object_type));
        }
        for (value, name) in targets {
            if value.as_deref().is_some_and(|value| value.trim().is_empty()) {
                problems.add(name, "EMPTY_TARGET", format!("`{name}` must not be empty; leave it out instead"));
            }
        }
        if let Some(email) = &self.email
            && !is_email(email)
        {
            problems.add("email", "INVALID_EMAIL", format!("`{email}` is not a valid email address"));
        }
    }

    /// Which target fields it carries.
    pub(crate) fn given(&self) -> Given {
        Given { object_id: self.object_id.is_some(), email: self.email.is_some(), utk: self.utk.is_some() }
    }
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

/// Reads the values object (`tokens` or `properties`) and checks every value
/// against the definition's, when the input names a known one.
pub(crate) fn read_values(
    words: &Words,
    values: Option<&Json<'_>>,
    definition: Option<&Definition>,
    problems: &mut Problems,
) -> Option<BTreeMap<String, String>> {
    let Words { field, item, items, input, code, .. } = words;
    let values = match values {
        Some(Json::Object(values)) => values,
        Some(_) => {
            problems.add(
                *field,
                "INVALID_TYPE",
                format!("`{field}` must be a JSON object of {item} names to string values"),
            );
            return None;
        }
        None => {
            problems.add(
                *field,
                "REQUIRED",
                format!("`{field}` is required; send {{}} for an {input} without {items}"),
            );
            return None;
        }
    };
    // In name order, a name sent twice keeping its last value, as a `serde_json::Map` reads them.
    let values: BTreeMap<&str, &Json<'_>> = values.iter().map(|(name, value)| (name.as_ref(), value)).collect();
    let mut texts = BTreeMap::new();
    for (name, value) in values {
        let location = format!("{field}.{name}");
        let text = match value {
            Json::String(text) => text.as_ref().to_owned(),
            Json::Number(number) if words.numbers_as_text => number.to_string(),
            other => {
                problems.add(
                    &location,
                    &format!("INVALID_{code}_TYPE"),
                    format!(
                        "{item} `{name}` must be a JSON string, not {}; send it as \"{}\"",
                        other.kind(),
                        unquoted(other)
                    ),
                );
                continue;
            }
        };
        if let Some(definition) = definition {
            match definition.tokens.iter().find(|token| token.name == name) {
                None => {
                    let known: Vec<&str> = definition.tokens.iter().map(|token| token.name.as_str()).collect();
                    problems.add(
                        &location,
                        &format!("UNKNOWN_{code}"),
                        format!("{} has no {item} `{name}`; its {items} are: {}", owner(definition), list(&known)),
                    );
                }
                Some(token) => {
                    if let Err(message) = check_value(words, token, &text) {
                        problems.add(&location, &format!("INVALID_{code}_VALUE"), message);
                    }
                }
            }
        }
        texts.insert(name.to_owned(), text);
    }
    Some(texts)
}

/// Which kind of token a value's text does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Misfit {
    /// A number token's text is not a finite decimal number.
    Number,
    /// A date token's text is not a date the check takes.
    Date,
    /// An enumeration token's text is not one of its options' values.
    Enumeration,
}

/// How `text` does not fit `token`'s kind, if it does not: numbers are
/// finite decimals, dates epoch milliseconds (or, with `calendar_dates`, a
/// calendar date or an RFC 3339 date-time), enumerations one of the options'
/// values. The one rule of the edge checks and the client's own.
pub(crate) fn misfit(token: &Token, text: &str, calendar_dates: bool) -> Option<Misfit> {
    let fits = match token.kind {
        TokenKind::String => true,
        TokenKind::Number => text.parse::<f64>().is_ok_and(f64::is_finite),
        TokenKind::Date => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            let epoch_millis =
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && text.parse::<i64>().is_ok();
            let calendar = calendar_dates
                && (chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
                    || chrono::DateTime::parse_from_rfc3339(text).is_ok());
            epoch_millis || calendar
        }
        TokenKind::Enumeration => token.options.iter().any(|option| option.value == text),
    };
    match (fits, token.kind) {
        (true, _) | (false, TokenKind::String) => None,
        (false, TokenKind::Number) => Some(Misfit::Number),
        (false, TokenKind::Date) => Some(Misfit::Date),
        (false, TokenKind::Enumeration) => Some(Misfit::Enumeration),
    }
}

/// Checks a value's text against its token's kind.
fn check_value(words: &Words, token: &Token, text: &str) -> Result<(), String> {
    let Words { item, kind_suffix, .. } = words;
    let name = &token.name;
    match misfit(token, text, words.calendar_dates) {
        None => Ok(()),
        Some(Misfit::Number) => Err(format!(
            "{item} `{name}` is a number{kind_suffix}; \"{text}\" is not a decimal number such as \"412.5\""
        )),
        Some(Misfit::Date) => {
            let more =
                if words.calendar_dates { ", a date such as \"2026-05-04\" or an RFC 3339 date-time" } else { "" };
            Err(format!(
                "{item} `{name}` is a date{kind_suffix} and takes epoch milliseconds such as \"1777886100000\"\
                 {more}; got \"{text}\""
            ))
        }
        Some(Misfit::Enumeration) => {
            let values: Vec<&str> = token.options.iter().map(|option| option.value.as_str()).collect();
            Err(format!("{item} `{name}` has value \"{text}\", which is not one of its options: {}", values.join(", ")))
        }
    }
}

/// Which target fields an input carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Given {
    pub(crate) object_id: bool,
    pub(crate) email: bool,
    pub(crate) utk: bool,
}

/// Checks that the input names a record its definition's objects allow:
/// `email` and `utk` find contacts only, other records need `objectId`.
pub(crate) fn check_target(words: &Words, definition: &Definition, given: Given, problems: &mut Problems) {
    let (owner, on, input) = (owner(definition), on(definition), words.input);
    if !on_contacts(definition) {
        for (present, field) in [(given.email, "email"), (given.utk, "utk")] {
            if present {
                problems.add(
                    field,
                    "TARGET_NOT_ALLOWED",
                    format!("`{field}` only identifies contacts, but {owner} is on {on}; send `objectId` instead"),
                );
            }
        }
        if !given.object_id {
            problems.add("objectId", "MISSING_TARGET", format!("{owner} is on {on}; the {input} needs an `objectId`"));
        }
    } else if !(given.object_id || given.email || given.utk) {
        problems.add(
            "objectId",
            "MISSING_TARGET",
            format!("the {input} names no record: send `objectId`, `email` or `utk` to say which contact it goes on"),
        );
    }
}

/// How messages name a definition: `template 1001298` or `app event webinar_registered`.
pub(crate) fn owner(definition: &Definition) -> String {
    match &definition.origin {
        Origin::EventTemplate { id } => format!("template {id}"),
        Origin::AppEvent { uid } => format!("app event {uid}"),
    }
}

/// How messages name what a definition's records are: a v3 object type in
/// backquotes, or an app event's upper-case object type or custom objects.
pub(crate) fn on(definition: &Definition) -> String {
    match definition.origin {
        Origin::EventTemplate { .. } => format!("`{}`", definition.object_type),
        Origin::AppEvent { .. } if definition.custom_object => "custom objects".to_owned(),
        Origin::AppEvent { .. } => object_type_to_app_event(&definition.object_type)
            .map_or_else(|| definition.object_type.to_ascii_uppercase(), str::to_owned),
    }
}

/// Whether a definition's records are contacts.
pub(crate) fn on_contacts(definition: &Definition) -> bool {
    match definition.origin {
        Origin::EventTemplate { .. } => {
            ["contacts", "contact", "0-1"].iter().any(|name| definition.object_type.eq_ignore_ascii_case(name))
        }
        Origin::AppEvent { .. } => !definition.custom_object && definition.object_type == "contacts",
    }
}

/// Names for a message, or `(none)`.
pub(crate) fn list(names: &[&str]) -> String {
    if names.is_empty() { "(none)".to_owned() } else { names.join(", ") }
}

/// Reads an optional RFC 3339 timestamp.
fn read_timestamp(value: Option<&Json<'_>>, problems: &mut Problems) -> Option<chrono::DateTime<chrono::Utc>> {
    match value {
        None | Some(Json::Null) => None,
        Some(Json::String(text)) => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at.to_utc()),
            Err(_) => {
                problems.add(
                    "timestamp",
                    "INVALID_TIMESTAMP",
                    format!(
                        "`timestamp` must be an RFC 3339 date-time such as \"2026-05-04T09:15:00.000Z\"; got \"{text}\""
                    ),
                );
                None
            }
        },
        Some(other) => {
            problems.add("timestamp", "INVALID_TYPE", format!("`timestamp` must be a string, not {}", other.kind()));
            None
        }
    }
}

/// Reads an optional `extraData`: absent, `null`, or a JSON object.
fn read_extra_data(
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
fn read_iframe(value: Option<&Json<'_>>, problems: &mut Problems) -> Option<TimelineEventIFrame> {
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
fn is_email(text: &str) -> bool {
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
fn unquoted(value: &Json<'_>) -> String {
    match value {
        Json::String(text) => text.as_ref().to_owned(),
        Json::Number(number) => number.to_string(),
        Json::Bool(flag) => flag.to_string(),
        _ => "…".to_owned(),
    }
}
