//! Template definition files, read at run time: the same two formats
//! `#[timeline(template = "…")]` reads at compile time.
//!
//! A file is either the JSON HubSpot's get-template endpoint returns (`id`,
//! `name`, `objectType`, `tokens`) or a developer-platform app-event
//! definition (`*-hsmeta.json`: `uid`, `type: "app-event"`, `config` with
//! `name`, `objectType` and `properties`). `timeline-template` parses both,
//! for the derive and for this module alike.

use std::path::Path;

use timeline_template::{Definition, Error, Origin, definition};

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

impl TemplateFile {
    /// Reads and parses the file at `path`; the error names the file.
    pub fn read(path: impl AsRef<Path>) -> Result<TemplateFile, Error> {
        Ok(TemplateFile::from(definition::read(path.as_ref())?))
    }

    /// Parses a definition of either kind.
    pub fn parse(text: &str) -> Result<TemplateFile, Error> {
        Ok(TemplateFile::from(definition::parse(text)?))
    }

    /// The template the file defines. `template_id` is required for an
    /// app-event definition and, for HubSpot's template JSON, must match
    /// the file's `id` when given.
    pub fn into_template(self, template_id: Option<&str>) -> Result<TimelineEventTemplate, Error> {
        match (self, template_id) {
            (TemplateFile::EventTemplate(template), None) => Ok(template),
            (TemplateFile::EventTemplate(template), Some(id)) if template.id == id => Ok(template),
            (TemplateFile::EventTemplate(template), Some(id)) => Err(Error::Malformed {
                path: None,
                reason: format!("its `id` is {}, not the template id {id} it was given", template.id),
            }),
            (TemplateFile::AppEvent { uid, .. }, None) => Err(Error::NoTemplateId { uid }),
            (TemplateFile::AppEvent { mut template, .. }, Some(id)) => {
                template.id = id.to_owned();
                Ok(template)
            }
        }
    }
}

/// A parsed definition, as the wire model holds it.
impl From<Definition> for TemplateFile {
    fn from(definition: Definition) -> Self {
        match &definition.origin {
            Origin::EventTemplate { .. } => TemplateFile::EventTemplate(definition.into()),
            Origin::AppEvent { uid } => TemplateFile::AppEvent {
                uid: uid.clone(),
                template: TimelineEventTemplate { id: String::new(), ..definition.into() },
            },
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
        assert!(matches!(file.clone().into_template(None), Err(Error::NoTemplateId { .. })));
        assert_eq!(file.into_template(Some("77")).unwrap().id, "77");
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        // Every rule is tested where it lives, in `timeline-template`; here,
        // that its reasons reach the error.
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
        assert!(matches!(missing, Error::Unreadable { .. }));
        assert!(missing.to_string().contains("no/such/template.json"));
    }
}
