//! A v3 event template moved to an app event: the one rule that names an
//! app-event property after a v3 token (used by `timeline migrate` when it
//! writes the definition, and by the runtime when it sends a v3 event as an
//! occurrence), and the template id a migrated definition file carries.
//!
//! HubSpot's schema of a `*-hsmeta.json` file has no field for the template
//! an app event came from, so `timeline migrate` writes it in a field of its
//! own beside `uid`, `type` and `config`: [`TEMPLATE_ID_FIELD`].

use std::path::{Path, PathBuf};

use crate::Error;
use crate::definition::{self, Definition, Origin, Token, TokenOption};

/// The top-level field of a migrated `*-hsmeta.json` file that holds the
/// id of the v3 event template it was made from.
pub const TEMPLATE_ID_FIELD: &str = "x-eventTemplateId";

/// The name of the app-event property that takes the values of the v3
/// token `token`: the token's own name, so that header and detail
/// templates (`{{petName}}`) read the same after the move.
///
/// ```
/// assert_eq!(timeline_template::migration::property_name("petName"), "petName");
/// ```
pub fn property_name(token: &str) -> &str {
    token
}

/// The app-event property of a v3 token: named by [`property_name`], with
/// the token's type and options; an empty label becomes the name (or the
/// option's value), and `objectPropertyName` has no place in an app event.
///
/// ```
/// use timeline_template::{Token, TokenKind, migration};
/// let token = Token {
///     name: "petAge".into(),
///     label: String::new(),
///     kind: TokenKind::Number,
///     options: vec![],
///     object_property_name: Some("pet_age".into()),
/// };
/// let property = migration::property(&token);
/// assert_eq!((property.name.as_str(), property.label.as_str()), ("petAge", "petAge"));
/// assert_eq!(property.object_property_name, None);
/// ```
pub fn property(token: &Token) -> Token {
    let name = property_name(&token.name).to_owned();
    let label = if token.label.is_empty() { name.clone() } else { token.label.clone() };
    let options = token
        .options
        .iter()
        .map(|option| {
            let label = if option.label.is_empty() { option.value.clone() } else { option.label.clone() };
            TokenOption { label, value: option.value.clone() }
        })
        .collect();
    Token { name, label, kind: token.kind, options, object_property_name: None }
}

/// An app-event definition and the v3 template id it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Migrated {
    /// The v3 event template id ([`TEMPLATE_ID_FIELD`]), when the file carries it.
    pub template_id: Option<String>,
    /// The app-event definition.
    pub definition: Definition,
}

/// Reads the app-event definition file at `path` and the template id it
/// carries, if any; a v3 template file is refused.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("timeline-template-doc-migrated-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("pet_adopted-hsmeta.json");
/// std::fs::write(&path, r#"{"uid": "pet_adopted", "type": "app-event", "x-eventTemplateId": "1001298",
///     "config": {"name": "Pet adopted", "objectType": "CONTACT"}}"#).unwrap();
/// let migrated = timeline_template::migration::read(&path).unwrap();
/// assert_eq!(migrated.template_id.as_deref(), Some("1001298"));
/// assert_eq!(migrated.definition.event_type(), "pet_adopted");
/// ```
pub fn read(path: &Path) -> Result<Migrated, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Unreadable { path: path.to_owned(), source })?;
    parse(&text).map_err(|error| error.in_file(path))
}

/// [`read`]'s work on a file's text.
pub fn parse(text: &str) -> Result<Migrated, Error> {
    let definition = definition::parse(text)?;
    if let Origin::EventTemplate { id } = &definition.origin {
        return Err(Error::malformed(format!(
            "it is v3 event template {id}, not an app-event definition; write one from it with `timeline migrate`"
        )));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|error| Error::malformed(error.to_string()))?;
    let template_id = match value.get(TEMPLATE_ID_FIELD) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(id)) if !id.is_empty() && id.bytes().all(|byte| byte.is_ascii_digit()) => {
            Some(id.clone())
        }
        Some(other) => {
            return Err(Error::malformed(format!(
                "`{TEMPLATE_ID_FIELD}` is {other}, but a template id is a string of ASCII digits"
            )));
        }
    };
    Ok(Migrated { template_id, definition })
}

/// Every `*-hsmeta.json` file of `dir`, in name order, each with its path
/// and the template id it carries; a file without one is an
/// [`Error::NoTemplateId`] naming it.
pub fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, String, Definition)>, Error> {
    let unreadable = |source| Error::Unreadable { path: dir.to_owned(), source };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.ends_with("-hsmeta.json")) {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let Migrated { template_id, definition } = read(&path)?;
            match template_id {
                Some(id) => Ok((path, id, definition)),
                None => Err(Error::NoTemplateId { uid: format!("{} ({})", definition.event_type(), path.display()) }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATED: &str = r#"{"uid": "pet_adopted", "type": "app-event", "x-eventTemplateId": "1001298",
        "config": {"name": "Pet adopted", "objectType": "CONTACT"}}"#;

    #[test]
    fn the_template_id_is_read_and_checked() {
        let migrated = parse(MIGRATED).unwrap();
        assert_eq!(migrated.template_id.as_deref(), Some("1001298"));
        let without = MIGRATED.replace(r#""x-eventTemplateId": "1001298","#, "");
        assert_eq!(parse(&without).unwrap().template_id, None);
        let error = parse(&MIGRATED.replace("\"1001298\"", "1001298")).unwrap_err().to_string();
        assert!(error.contains("a template id is a string of ASCII digits"), "{error}");
        let template = r#"{"id": "7", "name": "T", "objectType": "contacts"}"#;
        let error = parse(template).unwrap_err().to_string();
        assert!(error.contains("v3 event template 7, not an app-event definition"), "{error}");
    }

    #[test]
    fn folders_need_the_template_id_in_every_file() {
        let dir = std::env::temp_dir().join(format!("timeline-template-migrated-dir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pet_adopted-hsmeta.json"), MIGRATED).unwrap();
        std::fs::write(dir.join("notes.json"), "not read").unwrap();
        let read = read_dir(&dir).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!((read[0].1.as_str(), read[0].2.event_type()), ("1001298", "pet_adopted"));
        let other = MIGRATED.replace(r#""x-eventTemplateId": "1001298","#, "").replace("pet_adopted", "other");
        std::fs::write(dir.join("other-hsmeta.json"), other).unwrap();
        let error = read_dir(&dir).unwrap_err();
        assert!(matches!(&error, Error::NoTemplateId { uid } if uid.contains("other-hsmeta.json")), "{error:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
