//! Template definition files: `#[timeline(template = "…")]`.
//!
//! A file is either the JSON HubSpot's get-template endpoint returns (`id`,
//! `name`, `objectType`, `tokens`) or a developer-platform app-event
//! definition (`*-hsmeta.json`: `uid`, `type: "app-event"`, `config`). Both
//! are read into a [`Definition`]; [`load`] also resolves the path and
//! returns the file's canonical path, which generated code includes with
//! `include_bytes!` so that cargo rebuilds when the file changes.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::env;

/// A template definition file, read and parsed.
pub struct Template {
    /// The path as written in the attribute.
    pub written: String,
    /// The file's canonical absolute path.
    pub path: PathBuf,
    /// What the file defines.
    pub definition: Definition,
}

/// The parts of a template definition the derive checks against.
#[derive(Debug, PartialEq)]
pub struct Definition {
    /// Which kind of file it was.
    pub origin: Origin,
    /// The template's name.
    pub name: String,
    /// The CRM object type of its records, in the v3 API's spelling (`contacts`, …).
    pub object_type: String,
    /// Its tokens.
    pub tokens: Vec<Token>,
}

/// Which kind of definition file a template came from.
#[derive(Debug, PartialEq)]
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
#[derive(Debug, PartialEq)]
pub struct Token {
    /// The token's name.
    pub name: String,
    /// The token's type.
    pub kind: Kind,
    /// The values of an enumeration token's options.
    pub options: Vec<String>,
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

    /// The variant of `TokenKind` with this kind.
    pub fn variant(self) -> &'static str {
        match self {
            Kind::String => "String",
            Kind::Number => "Number",
            Kind::Date => "Date",
            Kind::Enumeration => "Enumeration",
        }
    }
}

/// Why a template file could not be used.
#[derive(Debug)]
pub enum LoadError {
    /// The path is absolute.
    Absolute,
    /// Neither `TIMELINE_TEMPLATE_DIR` nor `CARGO_MANIFEST_DIR` is set.
    NoBaseDir,
    /// The file could not be found or read.
    Unreadable {
        /// Where it was looked for.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// The file is not a template definition.
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// A [`LoadError`] with the path as written, for the error message.
pub struct LoadErrorMessage<'a> {
    error: &'a LoadError,
    written: &'a str,
}

impl LoadError {
    /// The error's message, naming the path as `written`.
    pub fn message<'a>(&'a self, written: &'a str) -> LoadErrorMessage<'a> {
        LoadErrorMessage { error: self, written }
    }
}

impl fmt::Display for LoadErrorMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let written = self.written;
        match self.error {
            LoadError::Absolute => write!(
                f,
                "template path `{written}` is absolute, so the crate would build only on this machine; write it \
                 relative to the crate's folder, e.g. `template = \"timeline/pet-adopted.json\"`, or set {} to the \
                 folder that holds the templates",
                env::TEMPLATE_DIR
            ),
            LoadError::NoBaseDir => write!(
                f,
                "cannot resolve template path `{written}`: neither {} nor {} is set; build with cargo, or set {} \
                 to the folder that holds the templates",
                env::TEMPLATE_DIR,
                env::MANIFEST_DIR,
                env::TEMPLATE_DIR
            ),
            LoadError::Unreadable { path, error } => write!(
                f,
                "cannot read template file `{written}` (resolved to {}): {error}; paths are relative to {}; save \
                 the template's definition (the JSON of HubSpot's get-template endpoint, or an app-event \
                 `*-hsmeta.json` file) there, or fix the path",
                path.display(),
                base_description()
            ),
            LoadError::Malformed { path, reason } => write!(
                f,
                "template file `{written}` (resolved to {}) is not a timeline event template definition: {reason}; \
                 expected the JSON of HubSpot's get-template endpoint (`id`, `name`, `objectType`, `tokens`) or \
                 an app-event `*-hsmeta.json` file (`uid`, `type`, `config`)",
                path.display()
            ),
        }
    }
}

/// Names the folder paths are resolved against, for messages.
fn base_description() -> String {
    match env::var(env::TEMPLATE_DIR) {
        Some(dir) => format!("{} ({})", env::TEMPLATE_DIR, Path::new(&dir).display()),
        None => format!("the crate's folder ({})", env::MANIFEST_DIR),
    }
}

/// Reads the template file `written`, resolved against the base folder the
/// environment gives.
pub fn load(written: &str) -> Result<Template, LoadError> {
    let base = base_dir()?;
    let path = resolve(written, &base)?;
    let text = std::fs::read_to_string(&path).map_err(|error| LoadError::Unreadable { path: path.clone(), error })?;
    let definition = parse(&text).map_err(|reason| LoadError::Malformed { path: path.clone(), reason })?;
    Ok(Template { written: written.to_owned(), path, definition })
}

/// `TIMELINE_TEMPLATE_DIR` (relative to the crate's folder if relative), or
/// else the crate's folder.
fn base_dir() -> Result<PathBuf, LoadError> {
    let manifest_dir = env::var(env::MANIFEST_DIR).map(PathBuf::from);
    match (env::var(env::TEMPLATE_DIR).map(PathBuf::from), manifest_dir) {
        (Some(dir), _) if dir.is_absolute() => Ok(dir),
        (Some(dir), Some(manifest_dir)) => Ok(manifest_dir.join(dir)),
        (_, Some(manifest_dir)) => Ok(manifest_dir),
        (_, None) => Err(LoadError::NoBaseDir),
    }
}

/// The canonical path of `written` under `base`; absolute paths are refused.
pub fn resolve(written: &str, base: &Path) -> Result<PathBuf, LoadError> {
    let relative = Path::new(written);
    if relative.is_absolute() || relative.has_root() {
        return Err(LoadError::Absolute);
    }
    let path = base.join(relative);
    path.canonicalize().map_err(|error| LoadError::Unreadable { path, error })
}

/// Parses a definition file of either kind.
pub fn parse(text: &str) -> Result<Definition, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|error| format!("invalid JSON ({error})"))?;
    let Some(object) = value.as_object() else {
        return Err("the file is not a JSON object".to_owned());
    };
    let definition = if ["uid", "type", "config"].iter().any(|key| object.contains_key(*key)) {
        let file: AppEventFile = serde_json::from_str(text).map_err(|error| error.to_string())?;
        file.into_definition()?
    } else {
        let file: EventTemplateFile = serde_json::from_str(text).map_err(|error| error.to_string())?;
        file.into_definition()?
    };
    Ok(definition)
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
}

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
}

#[derive(Deserialize)]
struct TokenFile {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    options: Vec<OptionFile>,
}

#[derive(Deserialize)]
struct OptionFile {
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
            Ok(Token { name: file.name, kind, options: file.options.into_iter().map(|option| option.value).collect() })
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
        assert_eq!(definition.tokens[0], Token { name: "petName".into(), kind: Kind::String, options: vec![] });
        assert_eq!(definition.tokens[1].options, ["beagle", "mixed"]);
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
        assert_eq!(definition.tokens[0].options, ["ama"]);
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

    #[test]
    fn paths_resolve_under_the_base_and_absolute_ones_are_refused() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR"));
        let resolved = resolve("src/../Cargo.toml", base).unwrap();
        assert_eq!(resolved, base.join("Cargo.toml").canonicalize().unwrap());
        assert!(resolved.is_absolute());
        assert!(matches!(resolve("/etc/hosts", base), Err(LoadError::Absolute)));
        match resolve("timeline/missing.json", base) {
            Err(LoadError::Unreadable { path, .. }) => assert_eq!(path, base.join("timeline/missing.json")),
            other => panic!("{other:?}"),
        }
    }
}
