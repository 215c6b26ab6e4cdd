//! Template definition files: the JSON HubSpot's get-template endpoint
//! returns (`id`, `name`, `objectType`, `tokens`), or a developer-platform
//! app-event definition (`*-hsmeta.json`: `uid`, `type: "app-event"`,
//! `config` with `name`, `objectType` or `supportsCustomObject`, and
//! `properties`). Both read into a [`Definition`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;

/// What a template definition file defines.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// Which kind of file it was.
    pub origin: Origin,
    /// The template's name.
    pub name: String,
    /// The CRM object type of its records, in the v3 API's spelling (`contacts`, …);
    /// [`CUSTOM_OBJECTS`] for an app event on custom objects.
    pub object_type: String,
    /// Whether its events go on records of custom objects (an app-event
    /// definition with `config.supportsCustomObject: true`): each occurrence
    /// then names its object type (`objectTypeFullyQualifiedName`).
    pub custom_object: bool,
    /// Its tokens, in file order.
    pub tokens: Vec<Token>,
    /// The header template, if the file has one.
    pub header_template: Option<String>,
    /// The detail template, if the file has one.
    pub detail_template: Option<String>,
}

impl Definition {
    /// The name events give this definition: an event template's id, or an
    /// app event's `uid`.
    ///
    /// ```
    /// let file = r#"{"uid": "webinar_registered", "type": "app-event",
    ///                "config": {"name": "Webinar registered", "objectType": "CONTACT"}}"#;
    /// assert_eq!(timeline_template::definition::parse(file).unwrap().event_type(), "webinar_registered");
    /// ```
    pub fn event_type(&self) -> &str {
        match &self.origin {
            Origin::EventTemplate { id } => id,
            Origin::AppEvent { uid } => uid,
        }
    }
}

/// [`Definition::object_type`] of an app event on custom objects
/// (`config.supportsCustomObject: true`).
pub const CUSTOM_OBJECTS: &str = "custom_objects";

/// The most characters HubSpot takes in an app event's `config.name`.
pub const MAX_APP_EVENT_NAME_CHARS: usize = 50;

/// Which kind of definition file a template came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// HubSpot's event template JSON, with its numeric id.
    EventTemplate {
        /// The template id.
        id: String,
    },
    /// A developer-platform app-event definition, which has no numeric id.
    AppEvent {
        /// The definition's `uid`.
        uid: String,
    },
}

/// One token of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token's name.
    pub name: String,
    /// Its label (empty when the file leaves it out).
    pub label: String,
    /// The token's type.
    pub kind: TokenKind,
    /// An enumeration token's options.
    pub options: Vec<TokenOption>,
    /// The CRM property the token's value is copied to, if any.
    pub object_property_name: Option<String>,
}

/// One option of an enumeration token.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenOption {
    /// Its label (empty when the file leaves it out).
    pub label: String,
    /// The value an event sends.
    pub value: String,
}

/// The type HubSpot gives a token in an event template (or a property in an
/// app-event definition): the one token-kind model of the derive, the
/// runtime, the CLI and the sandbox.
///
/// ```
/// use timeline_template::TokenKind;
/// let kind: TokenKind = serde_json::from_str("\"enumeration\"").unwrap();
/// assert_eq!(kind, TokenKind::Enumeration);
/// assert_eq!(kind.to_string(), "enumeration");
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Free text.
    String,
    /// A decimal number, such as `3` or `412.5`.
    Number,
    /// A point in time, sent as epoch milliseconds.
    Date,
    /// One of the template's options, sent as the option's `value`.
    Enumeration,
}

impl TokenKind {
    /// Every kind, in the order the files' documentation lists them.
    const ALL: [TokenKind; 4] = [TokenKind::String, TokenKind::Number, TokenKind::Date, TokenKind::Enumeration];

    fn from_name(name: &str) -> Option<TokenKind> {
        TokenKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The name HubSpot and the files use: `string`, `number`, `date` or `enumeration`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenKind::String => "string",
            TokenKind::Number => "number",
            TokenKind::Date => "date",
            TokenKind::Enumeration => "enumeration",
        }
    }

    /// The variant's name in Rust (`String`, `Number`, …), for generated code.
    pub const fn variant(self) -> &'static str {
        match self {
            TokenKind::String => "String",
            TokenKind::Number => "Number",
            TokenKind::Date => "Date",
            TokenKind::Enumeration => "Enumeration",
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a definition file of either kind; the error says what is wrong.
///
/// ```
/// use timeline_template::{TokenKind, Origin, definition};
/// let file = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
///                "tokens": [{"name": "petAge", "label": "Age", "type": "number"}]}"#;
/// let parsed = definition::parse(file).unwrap();
/// assert_eq!(parsed.origin, Origin::EventTemplate { id: "1001298".into() });
/// assert_eq!(parsed.tokens[0].kind, TokenKind::Number);
/// ```
pub fn parse(text: &str) -> Result<Definition, Error> {
    parse_text(text).map_err(Error::malformed)
}

/// [`parse`]'s work, with the reason as text.
fn parse_text(text: &str) -> Result<Definition, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|error| format!("invalid JSON ({error})"))?;
    let Some(object) = value.as_object() else {
        return Err("the file is not a JSON object".to_owned());
    };
    if ["uid", "type", "config"].iter().any(|key| object.contains_key(*key)) {
        let file: AppEventFile = serde_json::from_str(text).map_err(|error| error.to_string())?;
        file.into_definition()
    } else {
        let file: EventTemplateFile = serde_json::from_str(text).map_err(|error| error.to_string())?;
        file.into_definition()
    }
}

/// Reads and parses the definition file at `path`; the error names the file.
///
/// ```
/// let error = timeline_template::definition::read("no/such/template.json".as_ref()).unwrap_err();
/// assert!(matches!(error, timeline_template::Error::Unreadable { .. }));
/// assert!(error.to_string().contains("no/such/template.json"));
/// ```
pub fn read(path: &Path) -> Result<Definition, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Unreadable { path: path.to_owned(), source })?;
    parse(&text).map_err(|error| error.in_file(path))
}

/// Reads every file of `dir` whose name ends with `suffix` (such as
/// `.json`, or `-hsmeta.json` for app-event definitions), in name order,
/// each with its path; the error names the folder or the file.
pub fn read_dir(dir: &Path, suffix: &str) -> Result<Vec<(PathBuf, Definition)>, Error> {
    let unreadable = |source| Error::Unreadable { path: dir.to_owned(), source };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.ends_with(suffix)) {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let definition = read(&path)?;
            Ok((path, definition))
        })
        .collect()
}

/// HubSpot's event template JSON.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventTemplateFile {
    id: TemplateIdFile,
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
enum TemplateIdFile {
    Text(String),
    Number(u64),
}

/// A developer-platform app-event definition (`*-hsmeta.json`).
#[derive(Deserialize)]
struct AppEventFile {
    uid: String,
    #[serde(rename = "type")]
    kind: String,
    config: AppEventConfigFile,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppEventConfigFile {
    name: String,
    #[serde(default)]
    object_type: Option<String>,
    #[serde(default)]
    supports_custom_object: bool,
    #[serde(default)]
    properties: Vec<TokenFile>,
    #[serde(default)]
    header_template: Option<String>,
    #[serde(default)]
    detail_template: Option<String>,
}

/// A token as either file writes it; `label` may be left out.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenFile {
    name: String,
    #[serde(default)]
    label: String,
    #[serde(rename = "type")]
    kind: String,
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

impl EventTemplateFile {
    fn into_definition(self) -> Result<Definition, String> {
        let id = match self.id {
            TemplateIdFile::Text(id) => id,
            TemplateIdFile::Number(id) => id.to_string(),
        };
        if id.is_empty() || !id.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(format!("`id` is {id:?}, but an event template id is ASCII digits"));
        }
        Ok(Definition {
            origin: Origin::EventTemplate { id },
            name: self.name,
            object_type: self.object_type,
            custom_object: false,
            tokens: tokens(self.tokens)?,
            header_template: self.header_template,
            detail_template: self.detail_template,
        })
    }
}

impl AppEventFile {
    fn into_definition(self) -> Result<Definition, String> {
        if self.kind != "app-event" {
            return Err(format!(
                "`type` is {:?}, but only \"app-event\" definitions describe timeline events",
                self.kind
            ));
        }
        if self.uid.is_empty() {
            return Err("`uid` is empty; it names the event type when events are sent".to_owned());
        }
        let config = self.config;
        let object_type = match (&config.object_type, config.supports_custom_object) {
            (Some(object_type), custom_object) => {
                let v3 = object_type_from_app_event(object_type).ok_or_else(|| {
                    format!(
                        "`config.objectType` is {object_type:?}; expected one of CONTACT, COMPANY, DEAL, TICKET, \
                         APP_OBJECT, or `supportsCustomObject: true` for custom objects"
                    )
                })?;
                if custom_object { CUSTOM_OBJECTS } else { v3 }
            }
            (None, true) => CUSTOM_OBJECTS,
            (None, false) => {
                return Err("`config` has no `objectType` (CONTACT, COMPANY, DEAL, TICKET or APP_OBJECT) and no \
                            `supportsCustomObject: true`; give one of them"
                    .to_owned());
            }
        };
        Ok(Definition {
            origin: Origin::AppEvent { uid: self.uid },
            name: config.name,
            object_type: object_type.to_owned(),
            custom_object: config.supports_custom_object,
            tokens: tokens(config.properties)?,
            header_template: config.header_template,
            detail_template: config.detail_template,
        })
    }
}

/// The v3 object type (`contacts`, …) of an app event's upper-case
/// `config.objectType` (`CONTACT`, …), or `None` for another value.
///
/// ```
/// use timeline_template::definition::object_type_from_app_event;
/// assert_eq!(object_type_from_app_event("COMPANY"), Some("companies"));
/// assert_eq!(object_type_from_app_event("companies"), None);
/// ```
pub fn object_type_from_app_event(object_type: &str) -> Option<&'static str> {
    APP_EVENT_OBJECT_TYPES.iter().find(|(upper, _)| *upper == object_type).map(|(_, v3)| *v3)
}

/// The app-event `config.objectType` (`CONTACT`, …) of a v3 object type
/// (`contacts`, …), or `None` for another value (a v3 custom object type).
///
/// ```
/// use timeline_template::definition::object_type_to_app_event;
/// assert_eq!(object_type_to_app_event("deals"), Some("DEAL"));
/// assert_eq!(object_type_to_app_event("2-1234"), None);
/// ```
pub fn object_type_to_app_event(object_type: &str) -> Option<&'static str> {
    APP_EVENT_OBJECT_TYPES.iter().find(|(_, v3)| *v3 == object_type).map(|(upper, _)| *upper)
}

/// Each app-event `config.objectType` with its v3 object type.
const APP_EVENT_OBJECT_TYPES: [(&str, &str); 5] = [
    ("CONTACT", "contacts"),
    ("COMPANY", "companies"),
    ("DEAL", "deals"),
    ("TICKET", "tickets"),
    ("APP_OBJECT", "app_objects"),
];

fn tokens(files: Vec<TokenFile>) -> Result<Vec<Token>, String> {
    files
        .into_iter()
        .map(|file| {
            let kind = TokenKind::from_name(&file.kind).ok_or_else(|| {
                format!(
                    "token `{}` has type {:?}; timeline tokens are \"string\", \"number\", \"date\" or \"enumeration\"",
                    file.name, file.kind
                )
            })?;
            Ok(Token {
                name: file.name,
                label: file.label,
                kind,
                options: file
                    .options
                    .into_iter()
                    .map(|option| TokenOption { label: option.label, value: option.value })
                    .collect(),
                object_property_name: file.object_property_name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_template_json_is_read() {
        let text = r#"{
            "id": "1001298", "name": "Pet adopted", "objectType": "contacts",
            "headerTemplate": "{{petName}}", "createdAt": null,
            "tokens": [
                {"name": "petName", "label": "Pet name", "type": "string", "options": []},
                {"name": "breed", "label": "Breed", "type": "enumeration",
                 "options": [{"label": "Beagle", "value": "beagle"}, {"label": "Mixed", "value": "mixed"}]}
            ]
        }"#;
        let definition = parse(text).unwrap();
        assert_eq!(definition.origin, Origin::EventTemplate { id: "1001298".into() });
        assert_eq!(definition.name, "Pet adopted");
        assert_eq!(definition.object_type, "contacts");
        assert_eq!(definition.header_template.as_deref(), Some("{{petName}}"));
        assert_eq!(
            definition.tokens[0],
            Token {
                name: "petName".into(),
                label: "Pet name".into(),
                kind: TokenKind::String,
                options: vec![],
                object_property_name: None
            }
        );
        let values: Vec<&str> = definition.tokens[1].options.iter().map(|option| option.value.as_str()).collect();
        assert_eq!(values, ["beagle", "mixed"]);
        assert_eq!(definition.tokens[1].options[0].label, "Beagle");
    }

    #[test]
    fn app_event_definitions_are_read_with_v3_object_types() {
        let text = r#"{
            "uid": "webinar_registered", "type": "app-event",
            "config": {
                "name": "Webinar registered", "objectType": "COMPANY", "headerTemplate": "x",
                "properties": [{"name": "webinarType", "label": "Type", "type": "enumeration",
                                "options": [{"value": "ama", "label": "AMA"}]}]
            }
        }"#;
        let definition = parse(text).unwrap();
        assert_eq!(definition.origin, Origin::AppEvent { uid: "webinar_registered".into() });
        assert_eq!(definition.object_type, "companies");
        assert_eq!(definition.tokens[0].kind, TokenKind::Enumeration);
        assert_eq!(definition.tokens[0].options, [TokenOption { label: "AMA".into(), value: "ama".into() }]);
        assert_eq!(definition.header_template.as_deref(), Some("x"));
        assert!(!definition.custom_object);
    }

    #[test]
    fn custom_object_definitions_need_no_object_type() {
        let text = r#"{"uid": "car_serviced", "type": "app-event",
            "config": {"name": "Car serviced", "supportsCustomObject": true, "properties": []}}"#;
        let definition = parse(text).unwrap();
        assert!(definition.custom_object);
        assert_eq!(definition.object_type, CUSTOM_OBJECTS);
        // `supportsCustomObject: true` wins over an `objectType` given as well.
        let both = r#"{"uid": "u", "type": "app-event",
            "config": {"name": "x", "objectType": "APP_OBJECT", "supportsCustomObject": true}}"#;
        assert_eq!(parse(both).unwrap().object_type, CUSTOM_OBJECTS);
        let standard = r#"{"uid": "u", "type": "app-event",
            "config": {"name": "x", "objectType": "TICKET", "supportsCustomObject": false}}"#;
        let standard = parse(standard).unwrap();
        assert_eq!((standard.object_type.as_str(), standard.custom_object), ("tickets", false));
    }

    #[test]
    fn object_types_map_both_ways() {
        for (upper, v3) in APP_EVENT_OBJECT_TYPES {
            assert_eq!(object_type_from_app_event(upper), Some(v3));
            assert_eq!(object_type_to_app_event(v3), Some(upper));
        }
        assert_eq!(object_type_to_app_event(CUSTOM_OBJECTS), None);
        assert_eq!(object_type_from_app_event("contact"), None);
    }

    #[test]
    fn folders_are_read_in_name_order_by_suffix() {
        let dir = std::env::temp_dir().join(format!("timeline-template-read-dir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let app_event = r#"{"uid": "u", "type": "app-event", "config": {"name": "x", "objectType": "DEAL"}}"#;
        std::fs::write(dir.join("b.json"), r#"{"id": "2", "name": "B", "objectType": "deals"}"#).unwrap();
        std::fs::write(dir.join("a.json"), r#"{"id": "1", "name": "A", "objectType": "deals"}"#).unwrap();
        std::fs::write(dir.join("u-hsmeta.json"), app_event).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a definition").unwrap();
        let names = |suffix| -> Vec<String> {
            read_dir(&dir, suffix)
                .unwrap()
                .into_iter()
                .map(|(_, definition)| definition.event_type().to_owned())
                .collect()
        };
        assert_eq!(names(".json"), ["1", "2", "u"]);
        assert_eq!(names("-hsmeta.json"), ["u"]);
        std::fs::write(dir.join("c.json"), "{").unwrap();
        let error = read_dir(&dir, ".json").unwrap_err().to_string();
        assert!(error.contains("c.json is not a timeline event template definition: invalid JSON"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
        let missing = read_dir(&dir, ".json").unwrap_err();
        assert!(matches!(&missing, Error::Unreadable { path, .. } if *path == dir), "{missing:?}");
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        let cases = [
            ("{\"id\": ", "invalid JSON"),
            ("[1, 2]", "not a JSON object"),
            (r#"{"id": "12", "name": "x"}"#, "missing field `objectType`"),
            (r#"{"id": "x1", "name": "x", "objectType": "deals"}"#, "an event template id is ASCII digits"),
            (
                r#"{"id": "1", "name": "x", "objectType": "deals", "tokens": [{"name": "a", "type": "bool"}]}"#,
                "token `a` has type \"bool\"",
            ),
            (r#"{"uid": "u", "type": "card", "config": {"name": "x", "objectType": "DEAL"}}"#, "`type` is \"card\""),
            (
                r#"{"uid": "u", "type": "app-event", "config": {"name": "x", "objectType": "deals"}}"#,
                "CONTACT, COMPANY",
            ),
            (
                r#"{"uid": "u", "type": "app-event", "config": {"name": "x"}}"#,
                "no `objectType` (CONTACT, COMPANY, DEAL, TICKET or APP_OBJECT) and no `supportsCustomObject: true`",
            ),
            (r#"{"uid": "", "type": "app-event", "config": {"name": "x", "objectType": "DEAL"}}"#, "`uid` is empty"),
        ];
        for (text, expected) in cases {
            let Error::Malformed { path: None, reason } = parse(text).unwrap_err() else { panic!("{text}") };
            assert!(reason.contains(expected), "{text}: {reason}");
        }
    }
}
