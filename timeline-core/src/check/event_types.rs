//! The definitions inputs are checked against, by the names inputs give them.

use std::collections::{BTreeMap, HashMap};

use timeline_template::{Definition, Origin, rules};

/// The event types inputs may name, each with its definition: event
/// templates by template id, app-event types by `uid` and any other name
/// added with [`add_app_event_name`](Self::add_app_event_name) (such as a
/// fully-qualified name). Each definition follows
/// [`timeline_template::rules`].
///
/// ```
/// use timeline_core::check::EventTypes;
/// let mut types = EventTypes::new();
/// let definition = timeline_template::definition::parse(
///     r#"{"uid": "webinar_registered", "type": "app-event",
///         "config": {"name": "Webinar registered", "objectType": "CONTACT"}}"#,
/// ).unwrap();
/// types.insert(definition).unwrap();
/// types.add_app_event_name("webinar_registered", "app31-webinar_registered").unwrap();
/// assert_eq!(types.app_event("app31-webinar_registered").unwrap().event_type(), "webinar_registered");
/// assert!(types.template("webinar_registered").is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct EventTypes {
    /// Event templates, by id.
    templates: BTreeMap<String, Definition>,
    /// App-event types, in the order they were added.
    app_events: Vec<Definition>,
    /// Where each name of an app-event type points in `app_events`.
    app_event_names: HashMap<String, usize>,
}

impl EventTypes {
    /// No event type at all.
    pub fn new() -> Self {
        EventTypes::default()
    }

    /// Adds a definition of either kind, once it follows
    /// [`rules::check`]; a template id or an app-event name already taken is
    /// refused. The error says what to fix.
    pub fn insert(&mut self, definition: Definition) -> Result<(), String> {
        rules::check(&definition)?;
        match &definition.origin {
            Origin::EventTemplate { id } => {
                if self.templates.contains_key(id) {
                    return Err(format!("template id {id} is given twice"));
                }
                self.templates.insert(id.clone(), definition);
            }
            Origin::AppEvent { uid } => {
                let uid = uid.clone();
                self.refuse_taken(&uid)?;
                self.app_event_names.insert(uid, self.app_events.len());
                self.app_events.push(definition);
            }
        }
        Ok(())
    }

    /// Lets occurrences name the app-event type `uid` by `name` too.
    pub fn add_app_event_name(&mut self, uid: &str, name: impl Into<String>) -> Result<(), String> {
        let name = name.into();
        self.refuse_taken(&name)?;
        let index = *self.app_event_names.get(uid).ok_or_else(|| format!("there is no app event type `{uid}`"))?;
        self.app_event_names.insert(name, index);
        Ok(())
    }

    fn refuse_taken(&self, name: &str) -> Result<(), String> {
        match self.app_event_names.contains_key(name) {
            true => Err(format!("app event type `{name}` is defined twice")),
            false => Ok(()),
        }
    }

    /// The event template with this id.
    pub fn template(&self, id: &str) -> Option<&Definition> {
        self.templates.get(id)
    }

    /// The event template with this id, to change in place (the rules are
    /// not checked again; its id must stay).
    pub fn template_mut(&mut self, id: &str) -> Option<&mut Definition> {
        self.templates.get_mut(id)
    }

    /// Removes the event template with this id.
    pub fn remove_template(&mut self, id: &str) -> Option<Definition> {
        self.templates.remove(id)
    }

    /// Every event template, by id.
    pub fn templates(&self) -> impl Iterator<Item = &Definition> {
        self.templates.values()
    }

    /// The app-event type an occurrence names: by its `uid` or another of its names.
    pub fn app_event(&self, name: &str) -> Option<&Definition> {
        self.app_event_names.get(name).map(|&index| &self.app_events[index])
    }

    /// The `uid` of every app-event type, in the order they were added.
    pub fn app_event_uids(&self) -> Vec<&str> {
        self.app_events.iter().map(Definition::event_type).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Definition {
        timeline_template::definition::parse(text).unwrap()
    }

    #[test]
    fn names_are_taken_once_and_definitions_follow_the_rules() {
        let mut types = EventTypes::new();
        let template = r#"{"id": "7", "name": "T", "objectType": "deals"}"#;
        types.insert(parse(template)).unwrap();
        assert_eq!(types.insert(parse(template)).unwrap_err(), "template id 7 is given twice");
        let webinar = r#"{"uid": "webinar", "type": "app-event", "config": {"name": "W", "objectType": "DEAL"}}"#;
        types.insert(parse(webinar)).unwrap();
        assert_eq!(types.insert(parse(webinar)).unwrap_err(), "app event type `webinar` is defined twice");
        types.add_app_event_name("webinar", "app1-webinar").unwrap();
        assert!(types.add_app_event_name("webinar", "app1-webinar").unwrap_err().contains("defined twice"));
        assert!(types.add_app_event_name("other", "x").unwrap_err().contains("no app event type `other`"));
        let unlabelled =
            r#"{"id": "8", "name": "T", "objectType": "deals", "tokens": [{"name": "a", "type": "string"}]}"#;
        assert_eq!(types.insert(parse(unlabelled)).unwrap_err(), "template 8: token `a` needs a `label`");
        assert_eq!(types.templates().count(), 1);
        assert_eq!(types.app_event_uids(), ["webinar"]);
        assert!(types.remove_template("7").is_some() && types.template("7").is_none());
    }
}
