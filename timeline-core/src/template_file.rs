//! Template definition files, read at run time: the same two formats
//! `#[timeline(template = "…")]` reads at compile time.
//!
//! A file is either the JSON HubSpot's get-template endpoint returns (`id`,
//! `name`, `objectType`, `tokens`) or a developer-platform app-event
//! definition (`*-hsmeta.json`: `uid`, `type: "app-event"`, `config` with
//! `name`, `objectType` and `properties`). `timeline-template` parses both,
//! for the derive and for this module alike.

use std::path::{Path, PathBuf};

use timeline_template::{Origin, definition};

use crate::wire::TimelineEventTemplate;

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
        let definition =
            definition::parse(text).map_err(|reason| TemplateFileError::Malformed { path: PathBuf::new(), reason })?;
        Ok(match &definition.origin {
            Origin::EventTemplate { .. } => TemplateFile::EventTemplate(definition.into()),
            Origin::AppEvent { uid } => TemplateFile::AppEvent {
                uid: uid.clone(),
                template: TimelineEventTemplate { id: String::new(), ..definition.into() },
            },
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TokenKind;

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
        // Every rule is tested where it lives, in `timeline-template`; here,
        // that its reasons reach `TemplateFileError`.
        let cases = [
            (r#"{"id": "12", "name": "x"}"#, "missing field `objectType`"),
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
