//! The definitions the relay checks inputs against: a folder of template
//! JSON files and app-event `*-hsmeta.json` files.

use std::path::Path;

use timeline_core::check::EventTypes;

use crate::error::Error;

/// Every definition file (`*.json`: HubSpot's template JSON or an app-event
/// `*-hsmeta.json`) of `dir`, as the [`EventTypes`] the relay checks inputs
/// against; the error names the file at fault.
///
/// ```
/// let dir = std::env::temp_dir().join("timeline-relay-doc-types");
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("pet.json"), r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts", "tokens": []}"#).unwrap();
/// let types = timeline_relay::event_types_from_dir(&dir).unwrap();
/// assert!(types.template("1001298").is_some());
/// ```
pub fn event_types_from_dir(dir: &Path) -> Result<EventTypes, Error> {
    let definitions =
        timeline_template::definition::read_dir(dir, ".json").map_err(|error| Error::EventTypes(error.to_string()))?;
    let mut types = EventTypes::new();
    for (path, definition) in definitions {
        types.insert(definition).map_err(|problem| Error::EventTypes(format!("{}: {problem}", path.display())))?;
    }
    Ok(types)
}
