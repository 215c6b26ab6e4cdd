//! Template definition files: the JSON HubSpot's get-template endpoint
//! returns (`id`, `name`, `objectType`, `tokens`), or a developer-platform
//! app-event definition (`*-hsmeta.json`: `uid`, `type: "app-event"`,
//! `config` with `name`, `objectType` and `properties`). Both read into a
//! [`Definition`].

use serde::Deserialize;

/// What a template definition file defines.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// Which kind of file it was.
    pub origin: Origin,
    /// The template's name.
    pub name: String,
    /// The CRM object type of its records, in the v3 API's spelling (`contacts`, …).
    pub object_type: String,
    /// Its tokens, in file order.
    pub tokens: Vec<Token>,
    /// The header template, if the file has one.
    pub header_template: Option<String>,
    /// The detail template, if the file has one.
    pub detail_template: Option<String>,
}

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
    pub kind: Kind,
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

/// The type of a token, as the template declares it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `string`
    String,
    /// `number`
    Number,
    /// `date`
    Date,
    /// `enumeration`
    Enumeration,
}

impl Kind {
    fn from_name(name: &str) -> Option<Kind> {
        match name {
            "string" => Some(Kind::String),
            "number" => Some(Kind::Number),
            "date" => Some(Kind::Date),
            "enumeration" => Some(Kind::Enumeration),
            _ => None,
        }
    }

    /// The name of the variant of hubspot-timeline's `TokenKind` with this kind.
    pub fn variant(self) -> &'static str {
        match self {
            Kind::String => "String",
            Kind::Number => "Number",
            Kind::Date => "Date",
            Kind::Enumeration => "Enumeration",
        }
    }
}

/// Parses a definition file of either kind; the error says what is wrong.
///
/// ```
/// use timeline_template::{Kind, Origin, definition};
/// let file = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
///                "tokens": [{"name": "petAge", "label": "Age", "type": "number"}]}"#;
/// let parsed = definition::parse(file).unwrap();
/// assert_eq!(parsed.origin, Origin::EventTemplate { id: "1001298".into() });
/// assert_eq!(parsed.tokens[0].kind, Kind::Number);
/// ```
pub fn parse(text: &str) -> Result<Definition, String> {
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
    object_type: String,
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
        let object_type = app_event_object_type(&self.config.object_type).ok_or_else(|| {
            format!(
                "`config.objectType` is {:?}; expected one of CONTACT, COMPANY, DEAL, TICKET, APP_OBJECT",
                self.config.object_type
            )
        })?;
        Ok(Definition {
            origin: Origin::AppEvent { uid: self.uid },
            name: self.config.name,
            object_type: object_type.to_owned(),
            tokens: tokens(self.config.properties)?,
            header_template: self.config.header_template,
            detail_template: self.config.detail_template,
        })
    }
}

/// The v3 object type of an app-event `config.objectType`.
fn app_event_object_type(object_type: &str) -> Option<&'static str> {
    match object_type {
        "CONTACT" => Some("contacts"),
        "COMPANY" => Some("companies"),
        "DEAL" => Some("deals"),
        "TICKET" => Some("tickets"),
        "APP_OBJECT" => Some("app_objects"),
        _ => None,
    }
}

fn tokens(files: Vec<TokenFile>) -> Result<Vec<Token>, String> {
    files
        .into_iter()
        .map(|file| {
            let kind = Kind::from_name(&file.kind).ok_or_else(|| {
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
                kind: Kind::String,
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
        assert_eq!(definition.tokens[0].kind, Kind::Enumeration);
        assert_eq!(definition.tokens[0].options, [TokenOption { label: "AMA".into(), value: "ama".into() }]);
        assert_eq!(definition.header_template.as_deref(), Some("x"));
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
        ];
        for (text, expected) in cases {
            let reason = parse(text).unwrap_err();
            assert!(reason.contains(expected), "{text}: {reason}");
        }
    }
}
