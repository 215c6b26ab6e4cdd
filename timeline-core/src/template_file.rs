//! Template definition files, read at run time: the same two formats
//! `#[timeline(template = "…")]` reads at compile time.
//!
//! A file is either the JSON HubSpot's get-template endpoint returns (`id`,
//! `name`, `objectType`, `tokens`) or a developer-platform app-event
//! definition (`*-hsmeta.json`: `uid`, `type: "app-event"`, `config` with
//! `name`, `objectType` and `properties`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::TokenKind;
use crate::wire::{TimelineEventTemplate, TimelineEventTemplateToken, TimelineEventTemplateTokenOption};

/// A template definition file, parsed.
///
/// ```
/// use timeline_core::TemplateFile;
/// let file = TemplateFile::parse(
///     r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
///         "tokens": [{"name": "petAge", "label": "Age", "type": "number"}]}"#,
/// )
/// .unwrap();
/// let template = file.into_template(None).unwrap();
/// assert_eq!(template.id, "1001298");
/// assert_eq!(template.tokens[0].name, "petAge");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateFile {
    /// HubSpot's event template JSON, which carries the template id.
    EventTemplate(TimelineEventTemplate),
    /// An app-event definition; it has a `uid` but no numeric template id.
    AppEvent {
        /// The definition's `uid`.
        uid: String,
        /// The template it defines, with an empty `id`.
        template: TimelineEventTemplate,
    },
}

/// Why a template file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateFileError {
    /// The file could not be read.
    #[error("cannot read template file {}: {error}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The file is not a template definition.
    #[error(
        "{} is not a timeline event template definition: {reason}; expected the JSON of HubSpot's get-template \
         endpoint (`id`, `name`, `objectType`, `tokens`) or an app-event `*-hsmeta.json` file (`uid`, `type`, `config`)",
        path.display()
    )]
    Malformed {
        /// The file (empty when parsed from text).
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An app-event definition was used without a template id.
    #[error(
        "app-event definition `{uid}` has no numeric template id; read it with TemplateFile and give the id to \
         `into_template(Some(id))`"
    )]
    NoTemplateId {
        /// The definition's `uid`.
        uid: String,
    },
}

impl TemplateFile {
    /// Reads and parses the file at `path`.
    pub fn read(path: impl AsRef<Path>) -> Result<TemplateFile, TemplateFileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|error| TemplateFileError::Unreadable { path: path.to_owned(), error })?;
        TemplateFile::parse(&text).map_err(|error| match error {
            TemplateFileError::Malformed { reason, .. } => {
                TemplateFileError::Malformed { path: path.to_owned(), reason }
            }
            other => other,
        })
    }

    /// Parses a definition of either kind.
    pub fn parse(text: &str) -> Result<TemplateFile, TemplateFileError> {
        let malformed = |reason: String| TemplateFileError::Malformed { path: PathBuf::new(), reason };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| malformed(format!("invalid JSON ({error})")))?;
        let Some(object) = value.as_object() else {
            return Err(malformed("the file is not a JSON object".to_owned()));
        };
        if ["uid", "type", "config"].iter().any(|key| object.contains_key(*key)) {
            let file: AppEventFile = serde_json::from_value(value).map_err(|error| malformed(error.to_string()))?;
            file.into_template_file().map_err(malformed)
        } else {
            let file: EventTemplateFile =
                serde_json::from_value(value).map_err(|error| malformed(error.to_string()))?;
            file.into_template().map(TemplateFile::EventTemplate).map_err(malformed)
        }
    }

    /// The template the file defines. `template_id` is required for an
    /// app-event definition and, for HubSpot's template JSON, must match
    /// the file's `id` when given.
    pub fn into_template(self, template_id: Option<&str>) -> Result<TimelineEventTemplate, TemplateFileError> {
        match (self, template_id) {
            (TemplateFile::EventTemplate(template), None) => Ok(template),
            (TemplateFile::EventTemplate(template), Some(id)) if template.id == id => Ok(template),
            (TemplateFile::EventTemplate(template), Some(id)) => Err(TemplateFileError::Malformed {
                path: PathBuf::new(),
                reason: format!("its `id` is {}, not the template id {id} it was given", template.id),
            }),
            (TemplateFile::AppEvent { uid, .. }, None) => Err(TemplateFileError::NoTemplateId { uid }),
            (TemplateFile::AppEvent { mut template, .. }, Some(id)) => {
                template.id = id.to_owned();
                Ok(template)
            }
        }
    }
}

/// HubSpot's event template JSON.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventTemplateFile {
    id: TemplateId,
    name: String,
    object_type: String,
    #[serde(default)]
    tokens: Vec<TokenFile>,
    #[serde(default)]
    header_template: Option<String>,
    #[serde(default)]
    detail_template: Option<String>,
}

/// A template id written as a string or a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum TemplateId {
    Text(String),
    Number(u64),
}

impl EventTemplateFile {
    fn into_template(self) -> Result<TimelineEventTemplate, String> {
        let id = match self.id {
            TemplateId::Text(id) => id,
            TemplateId::Number(id) => id.to_string(),
        };
        if id.is_empty() || !id.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(format!("`id` is {id:?}, but an event template id is ASCII digits"));
        }
        Ok(TimelineEventTemplate {
            id,
            name: self.name,
            object_type: self.object_type,
            tokens: self.tokens.into_iter().map(TokenFile::into_token).collect(),
            header_template: self.header_template,
            detail_template: self.detail_template,
            created_at: None,
            updated_at: None,
        })
    }
}

/// A token as either file writes it; `label` may be left out.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenFile {
    name: String,
    #[serde(default)]
    label: String,
    #[serde(rename = "type")]
    kind: TokenKind,
    #[serde(default)]
    options: Vec<OptionFile>,
    #[serde(default)]
    object_property_name: Option<String>,
}

/// An enumeration option; `label` may be left out.
#[derive(Deserialize)]
struct OptionFile {
    #[serde(default)]
    label: String,
    value: String,
}

impl TokenFile {
    fn into_token(self) -> TimelineEventTemplateToken {
        TimelineEventTemplateToken {
            name: self.name,
            label: self.label,
            kind: self.kind,
            options: self
                .options
                .into_iter()
                .map(|option| TimelineEventTemplateTokenOption { label: option.label, value: option.value })
                .collect(),
            object_property_name: self.object_property_name,
            created_at: None,
            updated_at: None,
        }
    }
}

/// A developer-platform app-event definition (`*-hsmeta.json`).
#[derive(Deserialize)]
struct AppEventFile {
    uid: String,
    #[serde(rename = "type")]
    kind: String,
    config: AppEventConfig,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppEventConfig {
    name: String,
    object_type: String,
    #[serde(default)]
    properties: Vec<TokenFile>,
    #[serde(default)]
    header_template: Option<String>,
    #[serde(default)]
    detail_template: Option<String>,
}

impl AppEventFile {
    fn into_template_file(self) -> Result<TemplateFile, String> {
        if self.kind != "app-event" {
            return Err(format!(
                "`type` is {:?}, but only \"app-event\" definitions describe timeline events",
                self.kind
            ));
        }
        let object_type = match self.config.object_type.as_str() {
            "CONTACT" => "contacts",
            "COMPANY" => "companies",
            "DEAL" => "deals",
            "TICKET" => "tickets",
            "APP_OBJECT" => "app_objects",
            other => {
                return Err(format!(
                    "`config.objectType` is {other:?}; expected one of CONTACT, COMPANY, DEAL, TICKET, APP_OBJECT"
                ));
            }
        };
        let template = TimelineEventTemplate {
            id: String::new(),
            name: self.config.name,
            object_type: object_type.to_owned(),
            tokens: self.config.properties.into_iter().map(TokenFile::into_token).collect(),
            header_template: self.config.header_template,
            detail_template: self.config.detail_template,
            created_at: None,
            updated_at: None,
        };
        Ok(TemplateFile::AppEvent { uid: self.uid, template })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_template_json_is_read_with_numeric_ids_too() {
        let text = r#"{
            "id": 1001298, "name": "Pet adopted", "objectType": "contacts", "headerTemplate": "{{petName}}",
            "tokens": [
                {"name": "breed", "label": "Breed", "type": "enumeration",
                 "options": [{"label": "Beagle", "value": "beagle"}]}
            ]
        }"#;
        let template = TemplateFile::parse(text).unwrap().into_template(Some("1001298")).unwrap();
        assert_eq!(template.id, "1001298");
        assert_eq!(template.object_type, "contacts");
        assert_eq!(template.header_template.as_deref(), Some("{{petName}}"));
        assert_eq!(template.tokens[0].kind, TokenKind::Enumeration);
        assert_eq!(template.tokens[0].options[0].value, "beagle");
    }

    #[test]
    fn app_event_definitions_need_an_id() {
        let text = r#"{
            "uid": "webinar_registered", "type": "app-event",
            "config": {"name": "Webinar registered", "objectType": "COMPANY",
                       "properties": [{"name": "seats", "label": "Seats", "type": "number"}]}
        }"#;
        let file = TemplateFile::parse(text).unwrap();
        let TemplateFile::AppEvent { uid, template } = &file else { panic!("an app event: {file:?}") };
        assert_eq!(uid, "webinar_registered");
        assert_eq!(template.object_type, "companies");
        assert!(matches!(file.clone().into_template(None), Err(TemplateFileError::NoTemplateId { .. })));
        assert_eq!(file.into_template(Some("77")).unwrap().id, "77");
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        let cases = [
            ("{\"id\": ", "invalid JSON"),
            ("[1, 2]", "not a JSON object"),
            (r#"{"id": "12", "name": "x"}"#, "missing field `objectType`"),
            (r#"{"id": "x1", "name": "x", "objectType": "deals"}"#, "ASCII digits"),
            (
                r#"{"id": "1", "name": "x", "objectType": "deals", "tokens": [{"name": "a", "label": "A", "type": "bool"}]}"#,
                "unknown variant `bool`",
            ),
            (r#"{"uid": "u", "type": "card", "config": {"name": "x", "objectType": "DEAL"}}"#, "`type` is \"card\""),
            (
                r#"{"uid": "u", "type": "app-event", "config": {"name": "x", "objectType": "deals"}}"#,
                "CONTACT, COMPANY",
            ),
        ];
        for (text, expected) in cases {
            let error = TemplateFile::parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
        let mismatch = TemplateFile::parse(r#"{"id": "1", "name": "x", "objectType": "deals"}"#).unwrap();
        assert!(mismatch.into_template(Some("2")).unwrap_err().to_string().contains("not the template id 2"));
    }

    #[test]
    fn read_names_the_file() {
        let missing = TemplateFile::read("no/such/template.json").unwrap_err();
        assert!(matches!(missing, TemplateFileError::Unreadable { .. }));
        assert!(missing.to_string().contains("no/such/template.json"));
    }
}
