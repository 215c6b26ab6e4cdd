//! `timeline migrate`: a v3 event template definition (HubSpot's
//! get-template JSON, as `templates pull` writes it) turned into an
//! app-event `*-hsmeta.json` definition for the developer platform.
//!
//! - `uid`: the template's name in snake case (`Pet adopted` →
//!   `pet_adopted`), or the one given;
//! - `type`: `"app-event"`;
//! - `config.name`: the template's name, or the one given; HubSpot takes at
//!   most 50 characters, so a longer name is refused (nothing is written)
//!   and must be given shorter;
//! - `config.objectType`: the object type in HubSpot's upper-case form
//!   (`contacts` → `CONTACT`, …); a template of another object type is
//!   refused;
//! - `config.properties`: the tokens with their names, labels, types and
//!   options, by [`timeline_template::migration::property`] (the rule the
//!   runtime sends a v3 event's tokens by, too);
//! - `config.headerTemplate` and `config.detailTemplate`, as they are;
//! - `x-eventTemplateId` ([`TEMPLATE_ID_FIELD`]): the template's id, so
//!   that `timeline relay --migrate DIR` knows which template each file
//!   stands for. HubSpot's schema has no field for it; the field sits
//!   beside `uid`, `type` and `config`, outside what HubSpot reads.
//!
//! A token's `objectPropertyName` has no place in an app-event property;
//! the tokens that had one are named in [`Migrated::dropped`].

use std::path::Path;

use serde_json::{Value, json};
use timeline_core::TemplateFile;
use timeline_core::wire::TimelineEventTemplate;
use timeline_template::Token;
use timeline_template::definition::{MAX_APP_EVENT_NAME_CHARS, object_type_to_app_event};
use timeline_template::migration::{self, TEMPLATE_ID_FIELD};

use crate::canonical_json;
use crate::error::CliError;

/// What the migration may change.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The `uid` to write instead of the one made from the name.
    pub uid: Option<String>,
    /// The `config.name` to write instead of the template's name.
    pub name: Option<String>,
}

/// An app-event definition made from a v3 template.
#[derive(Debug, Clone, PartialEq)]
pub struct Migrated {
    /// The `*-hsmeta.json` text: keys sorted, two-space indents, a final newline.
    pub text: String,
    /// Its `uid`.
    pub uid: String,
    /// The tokens whose `objectPropertyName` was left out.
    pub dropped: Vec<String>,
}

/// Reads the v3 template definition `file` and migrates it.
pub fn migrate_file(file: &Path, options: &Options) -> Result<Migrated, CliError> {
    match TemplateFile::read(file)? {
        TemplateFile::EventTemplate(template) => migrate(&template, options),
        TemplateFile::AppEvent { uid, .. } => Err(CliError::Usage(format!(
            "{} is already an app-event definition (uid `{uid}`); migrate takes a v3 event template \
             (HubSpot's get-template JSON, as `timeline templates pull` writes it)",
            file.display()
        ))),
    }
}

/// The app-event definition of `template`.
///
/// ```
/// use timeline_cli::migrate::{Options, migrate};
/// let template = serde_json::from_str(
///     r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
///         "tokens": [{"name": "petAge", "label": "Age", "type": "number"}]}"#,
/// )
/// .unwrap();
/// let migrated = migrate(&template, &Options::default()).unwrap();
/// assert_eq!(migrated.uid, "pet_adopted");
/// let file: serde_json::Value = serde_json::from_str(&migrated.text).unwrap();
/// assert_eq!(file["config"]["objectType"], "CONTACT");
/// assert_eq!(file["config"]["properties"][0]["type"], "number");
/// ```
pub fn migrate(template: &TimelineEventTemplate, options: &Options) -> Result<Migrated, CliError> {
    let name = options.name.clone().unwrap_or_else(|| template.name.clone());
    let length = name.chars().count();
    if length > MAX_APP_EVENT_NAME_CHARS {
        return Err(CliError::Usage(format!(
            "template {}'s name {name:?} has {length} characters, but an app event's `config.name` takes at most \
             {MAX_APP_EVENT_NAME_CHARS} (and cannot change later); give a shorter one with --name",
            template.id
        )));
    }
    if name.trim().is_empty() {
        return Err(CliError::Usage(format!("template {} has no name; give one with --name", template.id)));
    }
    let object_type = object_type_to_app_event(&template.object_type).ok_or_else(|| {
        CliError::Usage(format!(
            "template {} is for `{}` records, which have no app-event object type; app events go on contacts, \
             companies, deals, tickets and app objects (CONTACT, COMPANY, DEAL, TICKET, APP_OBJECT), or on custom \
             objects with `supportsCustomObject: true`",
            template.id, template.object_type
        ))
    })?;
    let uid = match &options.uid {
        Some(uid) => uid.clone(),
        None => uid_from_name(&name),
    };
    if uid.is_empty() {
        return Err(CliError::Usage(format!(
            "no uid can be made from the name {name:?} (it has no ASCII letters or digits); give one with --uid"
        )));
    }
    let mut config = json!({
        "name": name,
        "objectType": object_type,
        "properties": template.tokens.iter().map(|token| property(&migration::property(&Token::from(token)))).collect::<Vec<_>>(),
    });
    for (key, text) in [("headerTemplate", &template.header_template), ("detailTemplate", &template.detail_template)] {
        if let Some(text) = text {
            config[key] = Value::String(text.clone());
        }
    }
    let definition = json!({ "uid": uid, "type": "app-event", TEMPLATE_ID_FIELD: template.id, "config": config });
    let dropped = template
        .tokens
        .iter()
        .filter(|token| token.object_property_name.is_some())
        .map(|token| token.name.clone())
        .collect();
    Ok(Migrated { text: canonical_json::pretty(definition), uid, dropped })
}

/// `Pet adopted (v2)` → `pet_adopted_v2`: the ASCII letters and digits of
/// `name` in lower case, each run of other characters one `_`.
///
/// ```
/// use timeline_cli::migrate::uid_from_name;
/// assert_eq!(uid_from_name("Pet adopted (v2)"), "pet_adopted_v2");
/// assert_eq!(uid_from_name("BuildFinished"), "build_finished");
/// ```
pub fn uid_from_name(name: &str) -> String {
    let mut uid = String::new();
    let mut previous_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !uid.is_empty() && !uid.ends_with('_') {
                uid.push('_');
            }
            previous_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && previous_lower && !uid.ends_with('_') {
            uid.push('_');
        }
        previous_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        uid.push(ch.to_ascii_lowercase());
    }
    uid.trim_end_matches('_').to_owned()
}

/// An app-event property as its definition file writes it.
fn property(property: &Token) -> Value {
    let mut json = json!({ "name": property.name, "label": property.label, "type": property.kind.to_string() });
    if !property.options.is_empty() {
        json["options"] =
            property.options.iter().map(|option| json!({ "value": option.value, "label": option.label })).collect();
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(json: &str) -> TimelineEventTemplate {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_part_of_a_template_is_carried_over() {
        let template = template(
            r#"{"id": "1004521", "name": "Deal stage changed", "objectType": "deals",
                "headerTemplate": "Stage: {{stage}}", "detailTemplate": "{{amount}} EUR",
                "tokens": [
                  {"name": "stage", "label": "", "type": "enumeration", "options": [
                     {"label": "Closed won", "value": "closed-won"}, {"label": "", "value": "lost"}]},
                  {"name": "amount", "label": "Amount", "type": "number", "options": [],
                   "objectPropertyName": "amount"}]}"#,
        );
        let migrated = migrate(&template, &Options::default()).unwrap();
        assert_eq!(migrated.dropped, ["amount"]);
        let file: Value = serde_json::from_str(&migrated.text).unwrap();
        assert_eq!(
            file,
            json!({"uid": "deal_stage_changed", "type": "app-event", "x-eventTemplateId": "1004521", "config": {
                "name": "Deal stage changed", "objectType": "DEAL",
                "headerTemplate": "Stage: {{stage}}", "detailTemplate": "{{amount}} EUR",
                "properties": [
                    {"name": "stage", "label": "stage", "type": "enumeration", "options": [
                        {"value": "closed-won", "label": "Closed won"}, {"value": "lost", "label": "lost"}]},
                    {"name": "amount", "label": "Amount", "type": "number"}]}})
        );
        assert!(migrated.text.ends_with("}\n"));
    }

    #[test]
    fn long_names_other_objects_and_empty_uids_are_refused() {
        let long = template(&format!(r#"{{"id": "1", "name": "{}", "objectType": "contacts"}}"#, "é".repeat(51)));
        let error = migrate(&long, &Options::default()).unwrap_err().to_string();
        assert!(error.contains("has 51 characters") && error.contains("--name"), "{error}");
        let renamed = Options { name: Some("Short".into()), uid: None };
        assert_eq!(migrate(&long, &renamed).unwrap().uid, "short");
        let fifty = template(&format!(r#"{{"id": "1", "name": "{}", "objectType": "contacts"}}"#, "a".repeat(50)));
        assert!(migrate(&fifty, &Options::default()).is_ok());

        let custom = template(r#"{"id": "2", "name": "Car", "objectType": "2-1234"}"#);
        let error = migrate(&custom, &Options::default()).unwrap_err().to_string();
        assert!(error.contains("`2-1234` records"), "{error}");

        let symbols = template(r#"{"id": "3", "name": "✓ ✓", "objectType": "tickets"}"#);
        let error = migrate(&symbols, &Options::default()).unwrap_err().to_string();
        assert!(error.contains("--uid"), "{error}");
        let given = Options { uid: Some("ticket_checked".into()), name: None };
        let migrated = migrate(&symbols, &given).unwrap();
        assert!(migrated.text.contains("\"uid\": \"ticket_checked\""), "{}", migrated.text);
        assert!(migrated.text.contains("\"objectType\": \"TICKET\""), "{}", migrated.text);
    }

    #[test]
    fn uids_are_snake_case() {
        assert_eq!(uid_from_name("Webinar registered"), "webinar_registered");
        assert_eq!(uid_from_name("  HTTP call -- done!  "), "http_call_done");
        assert_eq!(uid_from_name("petAdopted2"), "pet_adopted2");
        assert_eq!(uid_from_name("✓"), "");
    }
}
