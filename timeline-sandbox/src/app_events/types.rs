//! The app-event types the sandbox knows, read from `*-hsmeta.json`
//! definitions, and the names an occurrence may call them by.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use timeline_template::definition::object_type_to_app_event;
use timeline_template::{Definition, Kind, Origin, Token};

/// The app id in fully-qualified names when the sandbox has none set.
const DEFAULT_APP_ID: i32 = 1;

/// What an app-event type's occurrences go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Objects {
    /// Contacts: `objectId`, `email` or `utk` finds the record.
    Contacts,
    /// Records of a standard object type (HubSpot's upper-case spelling,
    /// such as `COMPANY`): `objectId` only.
    Standard(String),
    /// Records of a custom object type (`supportsCustomObject`): `objectId`
    /// and `objectTypeFullyQualifiedName`.
    Custom,
}

/// One app-event type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppEventType {
    /// The definition's `uid`.
    pub(crate) uid: String,
    /// The name occurrences may use instead of the uid: `app{APP_ID}-{uid}`.
    pub(crate) fully_qualified_name: String,
    /// What its occurrences go on.
    pub(crate) objects: Objects,
    /// Its properties, in file order.
    pub(crate) properties: Vec<Token>,
}

/// The app-event types by uid and by fully-qualified name.
#[derive(Debug, Default)]
pub(crate) struct AppEventTypes {
    types: Vec<AppEventType>,
    by_name: HashMap<String, usize>,
}

/// The fully-qualified name of the type `uid` in the app `app_id` (1 when unset).
fn fully_qualified_name(app_id: Option<i32>, uid: &str) -> String {
    format!("app{}-{uid}", app_id.unwrap_or(DEFAULT_APP_ID))
}

impl AppEventTypes {
    /// The types of these definitions, each checked, named for the app `app_id`.
    pub(crate) fn new(definitions: Vec<Definition>, app_id: Option<i32>) -> Result<Self, String> {
        let mut types = AppEventTypes::default();
        for definition in definitions {
            let Origin::AppEvent { uid } = definition.origin else {
                return Err(format!(
                    "`{}` is an event template definition (it has a template id), not an app event",
                    definition.name
                ));
            };
            if uid.trim().is_empty() {
                return Err(format!("app event `{}` has an empty `uid`", definition.name));
            }
            check_properties(&uid, &definition.tokens)?;
            let objects = if definition.custom_object {
                Objects::Custom
            } else {
                match definition.object_type.as_str() {
                    "contacts" => Objects::Contacts,
                    other => Objects::Standard(
                        object_type_to_app_event(other).map_or_else(|| other.to_ascii_uppercase(), str::to_owned),
                    ),
                }
            };
            let fully_qualified_name = fully_qualified_name(app_id, &uid);
            for name in [&uid, &fully_qualified_name] {
                if types.by_name.contains_key(name.as_str()) {
                    return Err(format!("app event type `{name}` is defined twice"));
                }
            }
            let index = types.types.len();
            types.by_name.insert(uid.clone(), index);
            types.by_name.insert(fully_qualified_name.clone(), index);
            types.types.push(AppEventType { uid, fully_qualified_name, objects, properties: definition.tokens });
        }
        Ok(types)
    }

    /// The type an occurrence's `eventTypeName` names: its uid or its fully-qualified name.
    pub(crate) fn get(&self, name: &str) -> Option<&AppEventType> {
        self.by_name.get(name).map(|&index| &self.types[index])
    }

    /// The uids, for messages.
    pub(crate) fn uids(&self) -> Vec<&str> {
        self.types.iter().map(|kind| kind.uid.as_str()).collect()
    }
}

/// Checks that property names are distinct and that enumeration
/// properties, and only they, have distinct options.
fn check_properties(uid: &str, properties: &[Token]) -> Result<(), String> {
    let mut names = HashSet::new();
    for property in properties {
        let name = &property.name;
        if name.trim().is_empty() {
            return Err(format!("app event {uid}: a property has an empty name"));
        }
        if !names.insert(name.as_str()) {
            return Err(format!("app event {uid}: property `{name}` is defined twice"));
        }
        let mut values = HashSet::new();
        match property.kind {
            Kind::Enumeration if property.options.is_empty() => {
                return Err(format!("app event {uid}: enumeration property `{name}` needs at least one option"));
            }
            Kind::Enumeration => {
                if let Some(option) = property.options.iter().find(|option| !values.insert(option.value.as_str())) {
                    return Err(format!(
                        "app event {uid}: enumeration property `{name}` has the option value `{}` twice",
                        option.value
                    ));
                }
            }
            _ if !property.options.is_empty() => {
                return Err(format!("app event {uid}: only enumeration properties have options, not `{name}`"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Reads one `*-hsmeta.json` definition (`config.supportsCustomObject:
/// true` makes a custom-object type, which may leave `config.objectType` out).
fn read_definition(text: &str) -> Result<Definition, String> {
    let definition = timeline_template::definition::parse(text)?;
    if !matches!(definition.origin, Origin::AppEvent { .. }) {
        return Err("this is an event template definition, not an app event (`uid`, `type`, `config`)".to_owned());
    }
    Ok(definition)
}

/// Reads every `*-hsmeta.json` file of `dir`, in name order.
pub(crate) fn load_dir(dir: &Path) -> Result<Vec<Definition>, String> {
    let entries = std::fs::read_dir(dir).map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.ends_with("-hsmeta.json"))
        })
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text =
                std::fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            read_definition(&text).map_err(|error| format!("{}: {error}", path.display()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEBINAR: &str = r#"{"uid": "webinar", "type": "app-event",
        "config": {"name": "Webinar", "objectType": "COMPANY",
                   "properties": [{"name": "kind", "type": "enumeration", "options": [{"value": "ama"}]}]}}"#;

    #[test]
    fn a_type_answers_to_its_uid_and_its_fully_qualified_name() {
        let types = AppEventTypes::new(vec![read_definition(WEBINAR).unwrap()], Some(31)).unwrap();
        let by_uid = types.get("webinar").unwrap();
        assert_eq!(by_uid.fully_qualified_name, "app31-webinar");
        assert_eq!(by_uid.objects, Objects::Standard("COMPANY".to_owned()));
        assert_eq!(types.get("app31-webinar"), Some(by_uid));
        assert_eq!(types.get("app1-webinar"), None);
    }

    #[test]
    fn supports_custom_object_makes_a_custom_object_type_without_an_object_type() {
        let text = r#"{"uid": "shipped", "type": "app-event",
            "config": {"name": "Shipped", "supportsCustomObject": true, "properties": []}}"#;
        let definition = read_definition(text).unwrap();
        assert!(definition.custom_object);
        let types = AppEventTypes::new(vec![definition], None).unwrap();
        assert_eq!(types.get("app1-shipped").unwrap().objects, Objects::Custom);
    }

    #[test]
    fn event_templates_and_bad_properties_are_refused() {
        let template = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts"}"#;
        assert!(read_definition(template).unwrap_err().contains("not an app event"));
        let parsed = timeline_template::definition::parse(template).unwrap();
        assert!(AppEventTypes::new(vec![parsed], None).unwrap_err().contains("not an app event"));
        let twice = WEBINAR.replace(r#""properties": ["#, r#""properties": [{"name": "kind", "type": "string"}, "#);
        let error = AppEventTypes::new(vec![read_definition(&twice).unwrap()], None).unwrap_err();
        assert!(error.contains("`kind` is defined twice"), "{error}");
        let options_on_string = WEBINAR.replace(r#""type": "enumeration""#, r#""type": "string""#);
        let error = AppEventTypes::new(vec![read_definition(&options_on_string).unwrap()], None).unwrap_err();
        assert!(error.contains("only enumeration properties have options"), "{error}");
    }
}
