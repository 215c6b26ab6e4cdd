//! Runtime validation: events whose template the client knows are checked
//! against it before they are sent, so a bad event fails alone, with a
//! typed reason, and costs no request.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use timeline_template::{Definition, Token};

use crate::check::{self, Misfit};
use crate::error::Error;
use crate::template_file::TemplateFile;
use crate::wire::TimelineEventTemplate;

/// One way an event does not fit its template.
///
/// ```
/// use timeline_core::TemplateViolation;
/// let violation = TemplateViolation::UnknownToken { token: "petAgee".into(), known: vec!["petAge".into()] };
/// assert!(violation.to_string().contains("petAge"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateViolation {
    /// A token the template does not have.
    #[error("the template has no token `{token}`; its tokens are: {}", list(known))]
    UnknownToken {
        /// The token sent.
        token: String,
        /// The template's tokens.
        known: Vec<String>,
    },
    /// A number token whose value is not a decimal number.
    #[error("token `{token}` is a number token; \"{value}\" is not a decimal number such as \"412.5\"")]
    NotANumber {
        /// The token.
        token: String,
        /// Its value.
        value: String,
    },
    /// A date token whose value is not epoch milliseconds.
    #[error("token `{token}` is a date token and takes epoch milliseconds such as \"1777886100000\"; got \"{value}\"")]
    NotADate {
        /// The token.
        token: String,
        /// Its value.
        value: String,
    },
    /// An enumeration token whose value is not one of its options.
    #[error("token `{token}` takes one of the options {}; got \"{value}\"", list(options))]
    NotAnOption {
        /// The token.
        token: String,
        /// Its value.
        value: String,
        /// The option values it takes.
        options: Vec<String>,
    },
    /// No `objectId`, `email` or `utk`.
    #[error("the event names no record: give it an objectId, or for contact templates an email or a utk")]
    NoTarget,
    /// `email` or `utk` on a template whose records are not contacts.
    #[error("the event sends `{field}`, which identifies a contact, but its template is for {object_type}")]
    ContactTargetOnOtherObject {
        /// `email` or `utk`.
        field: &'static str,
        /// The template's object type.
        object_type: String,
    },
    /// The encoded input is not the JSON object of an event.
    #[error("the input is not an event object: {reason}")]
    MalformedInput {
        /// What is wrong.
        reason: String,
    },
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "(none)".to_owned() } else { items.join(", ") }
}

/// Where a [`ClientBuilder`](super::ClientBuilder) gets templates from.
#[derive(Debug, Clone)]
pub(crate) enum TemplateSource {
    /// A template given as a value.
    Template(TimelineEventTemplate),
    /// Every `*.json` file of a folder.
    Dir(PathBuf),
}

/// The templates a client checks events against, by id.
#[derive(Debug, Default)]
pub(crate) struct KnownTemplates {
    by_id: HashMap<String, Definition>,
}

/// The parts of an encoded input the checks read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputView {
    /// The tokens, or an app event's properties.
    #[serde(default, alias = "properties")]
    tokens: BTreeMap<String, String>,
    object_id: Option<String>,
    email: Option<String>,
    utk: Option<String>,
}

impl KnownTemplates {
    /// Loads every source; a later template replaces an earlier one with the same id.
    pub(crate) fn load(sources: Vec<TemplateSource>) -> Result<Self, Error> {
        let mut known = KnownTemplates::default();
        for source in sources {
            match source {
                TemplateSource::Template(template) => known.insert(template),
                TemplateSource::Dir(dir) => {
                    for path in json_files(&dir)? {
                        let template = TemplateFile::read(&path)
                            .and_then(|file| file.into_template(None))
                            .map_err(|error| Error::config_from(format!("{}: {error}", path.display()), error))?;
                        known.insert(template);
                    }
                }
            }
        }
        Ok(known)
    }

    fn insert(&mut self, template: TimelineEventTemplate) {
        self.by_id.insert(template.id.clone(), Definition::from(&template));
    }

    /// Whether no template is known.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Checks the encoded input `json` against template `template_id`;
    /// inputs of unknown templates pass unchecked.
    pub(crate) fn check(&self, template_id: &str, json: &[u8]) -> Result<(), Vec<TemplateViolation>> {
        let Some(template) = self.by_id.get(template_id) else {
            return Ok(());
        };
        let violations = TemplateViolation::find(template, json);
        if violations.is_empty() { Ok(()) } else { Err(violations) }
    }
}

impl TemplateViolation {
    /// Every way the encoded input `json` (a v3 event's input, or an app
    /// event's occurrence) does not fit `template`: the check a client built
    /// with the template makes before it sends the input (see
    /// [`ClientBuilder::template`](super::ClientBuilder::template)).
    ///
    /// ```
    /// use timeline_core::TemplateViolation;
    /// let template = timeline_template::definition::parse(r#"{"id": "1001298", "name": "Pet adopted",
    ///     "objectType": "contacts", "tokens": [{"name": "petAge", "label": "Age", "type": "number"}]}"#).unwrap();
    /// let input = br#"{"eventTemplateId": "1001298", "tokens": {"petAge": "3"}, "email": "ada@example.com"}"#;
    /// assert!(TemplateViolation::find(&template, input).is_empty());
    /// let found = TemplateViolation::find(&template, br#"{"tokens": {"petAge": "three"}}"#);
    /// assert_eq!(found.len(), 2, "{found:?}");
    /// ```
    pub fn find(template: &Definition, json: &[u8]) -> Vec<TemplateViolation> {
        let input: InputView = match serde_json::from_slice(json) {
            Ok(input) => input,
            Err(error) => return vec![TemplateViolation::MalformedInput { reason: error.to_string() }],
        };
        let mut violations = Vec::new();
        for (name, value) in &input.tokens {
            match template.tokens.iter().find(|token| &token.name == name) {
                None => violations.push(TemplateViolation::UnknownToken {
                    token: name.clone(),
                    known: template.tokens.iter().map(|token| token.name.clone()).collect(),
                }),
                Some(token) => {
                    if let Some(violation) = misfit(token, value) {
                        violations.push(violation);
                    }
                }
            }
        }
        if input.object_id.is_none() && input.email.is_none() && input.utk.is_none() {
            violations.push(TemplateViolation::NoTarget);
        }
        if template.object_type != "contacts" {
            for (field, value) in [("email", &input.email), ("utk", &input.utk)] {
                if value.is_some() {
                    violations.push(TemplateViolation::ContactTargetOnOtherObject {
                        field,
                        object_type: template.object_type.clone(),
                    });
                }
            }
        }
        violations
    }
}

/// How `value` does not fit `token`, if it does not (epoch milliseconds
/// only for dates: the encoder writes no other form).
fn misfit(token: &Token, value: &str) -> Option<TemplateViolation> {
    let (name, text) = (token.name.clone(), value.to_owned());
    Some(match check::misfit(token, value, false)? {
        Misfit::Number => TemplateViolation::NotANumber { token: name, value: text },
        Misfit::Date => TemplateViolation::NotADate { token: name, value: text },
        Misfit::Enumeration => {
            let options = token.options.iter().map(|option| option.value.clone()).collect();
            TemplateViolation::NotAnOption { token: name, value: text, options }
        }
    })
}

/// The `*.json` files of `dir`, sorted by name.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let unreadable = |error: std::io::Error| {
        Error::config_from(format!("cannot read template folder {}: {error}", dir.display()), error)
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.is_file() && path.extension().is_some_and(|extension| extension == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> KnownTemplates {
        let pet = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts", "tokens": [
            {"name": "petAge", "label": "Age", "type": "number"},
            {"name": "adoptedOn", "label": "On", "type": "date"},
            {"name": "breed", "label": "Breed", "type": "enumeration", "options": [{"label": "Beagle", "value": "beagle"}]}
        ]}"#;
        let deal = r#"{"id": "1004521", "name": "Build", "objectType": "deals", "tokens": []}"#;
        let sources = [pet, deal]
            .into_iter()
            .map(|text| TemplateSource::Template(TemplateFile::parse(text).unwrap().into_template(None).unwrap()))
            .collect();
        KnownTemplates::load(sources).unwrap()
    }

    #[test]
    fn fitting_inputs_and_unknown_templates_pass() {
        let known = known();
        let good = br#"{"eventTemplateId":"1001298","tokens":{"petAge":"3.5","adoptedOn":"1777886100000","breed":"beagle"},"id":"a","email":"a@b.c"}"#;
        assert_eq!(known.check("1001298", good), Ok(()));
        assert_eq!(known.check("999", b"not even json"), Ok(()));
    }

    #[test]
    fn every_violation_is_reported() {
        let known = known();
        let bad = br#"{"tokens":{"petAgee":"1","petAge":"three","adoptedOn":"2026-05-04","breed":"poodle"}}"#;
        let violations = known.check("1001298", bad).unwrap_err();
        assert_eq!(
            violations,
            [
                TemplateViolation::NotADate { token: "adoptedOn".into(), value: "2026-05-04".into() },
                TemplateViolation::NotAnOption {
                    token: "breed".into(),
                    value: "poodle".into(),
                    options: vec!["beagle".into()]
                },
                TemplateViolation::NotANumber { token: "petAge".into(), value: "three".into() },
                TemplateViolation::UnknownToken {
                    token: "petAgee".into(),
                    known: vec!["petAge".into(), "adoptedOn".into(), "breed".into()]
                },
                TemplateViolation::NoTarget,
            ]
        );
        let contact_on_deal = known.check("1004521", br#"{"tokens":{},"utk":"u"}"#).unwrap_err();
        assert_eq!(
            contact_on_deal,
            [TemplateViolation::ContactTargetOnOtherObject { field: "utk", object_type: "deals".into() }]
        );
        let malformed = known.check("1004521", br#"{"tokens":{"n":1},"objectId":"1"}"#).unwrap_err();
        assert!(matches!(malformed[..], [TemplateViolation::MalformedInput { .. }]), "{malformed:?}");
    }

    #[test]
    fn folders_load_their_json_files_and_name_broken_ones() {
        let dir = std::env::temp_dir().join(format!("timeline-known-templates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.json"), r#"{"id": "5", "name": "A", "objectType": "deals"}"#).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a template").unwrap();
        let known = KnownTemplates::load(vec![TemplateSource::Dir(dir.clone())]).unwrap();
        assert_eq!(known.by_id.keys().collect::<Vec<_>>(), ["5"]);
        std::fs::write(dir.join("b.json"), r#"{"id": "x"}"#).unwrap();
        let Err(Error::Config { message, .. }) = KnownTemplates::load(vec![TemplateSource::Dir(dir.clone())]) else {
            panic!("a broken file is a configuration error");
        };
        assert!(message.contains("b.json"), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
