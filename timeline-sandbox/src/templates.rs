//! The event types the sandbox holds, each once as a definition: event
//! templates (which the template routes create and change) and app-event
//! types (fixed at start), with the times the template routes answer.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use timeline_core::check::EventTypes;
use timeline_core::wire::TimelineEventTemplate;
use timeline_template::{Definition, Origin};

/// The first id given to a template created over HTTP.
const FIRST_CREATED_ID: u64 = 1_000_000;

/// The app id in fully-qualified names when the sandbox has none set.
const DEFAULT_APP_ID: i32 = 1;

/// When something was created and last changed.
type Times = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The times of a template and of each of its tokens, by token name.
#[derive(Debug, Clone, Default)]
struct TemplateTimes {
    template: Times,
    tokens: HashMap<String, Times>,
}

impl TemplateTimes {
    /// The times `template` carries.
    fn of(template: &TimelineEventTemplate) -> Self {
        TemplateTimes {
            template: (template.created_at, template.updated_at),
            tokens: template
                .tokens
                .iter()
                .map(|token| (token.name.clone(), (token.created_at, token.updated_at)))
                .collect(),
        }
    }

    /// `template` with these times.
    fn apply(&self, mut template: TimelineEventTemplate) -> TimelineEventTemplate {
        (template.created_at, template.updated_at) = self.template;
        for token in &mut template.tokens {
            (token.created_at, token.updated_at) = self.tokens.get(&token.name).copied().unwrap_or_default();
        }
        template
    }
}

/// The event types by the names inputs give them, and the templates' times.
#[derive(Debug)]
pub(crate) struct TemplateStore {
    types: EventTypes,
    times: HashMap<String, TemplateTimes>,
    next_id: u64,
    /// The app of the fully-qualified names (1 when unset).
    app_id: Option<i32>,
}

impl TemplateStore {
    /// A store without any event type, for the app `app_id`.
    pub(crate) fn new(app_id: Option<i32>) -> Self {
        TemplateStore { types: EventTypes::new(), times: HashMap::new(), next_id: FIRST_CREATED_ID, app_id }
    }

    /// Adds an event template (it needs an id), checked.
    pub(crate) fn add_template(&mut self, template: TimelineEventTemplate) -> Result<(), String> {
        self.types.insert(Definition::from(&template))?;
        self.times.insert(template.id.clone(), TemplateTimes::of(&template));
        Ok(())
    }

    /// Adds an app-event type, checked; occurrences may name it by its uid
    /// or by its fully-qualified name `app{APP_ID}-{uid}`.
    pub(crate) fn add_app_event(&mut self, definition: Definition) -> Result<(), String> {
        let Origin::AppEvent { uid } = &definition.origin else {
            return Err(format!(
                "`{}` is an event template definition (it has a template id), not an app event",
                definition.name
            ));
        };
        let (uid, name) = (uid.clone(), self.fully_qualified_name_of(uid));
        self.types.insert(definition)?;
        self.types.add_app_event_name(&uid, name)
    }

    /// The definitions inputs are checked against.
    pub(crate) fn types(&self) -> &EventTypes {
        &self.types
    }

    /// The uid of the app-event type an occurrence names, or the name itself
    /// for a type the sandbox does not know.
    pub(crate) fn app_event_uid<'a>(&'a self, name: &'a str) -> &'a str {
        self.types.app_event(name).map_or(name, Definition::event_type)
    }

    /// The fully-qualified name of the app-event type `uid`, when it is one.
    pub(crate) fn fully_qualified_name(&self, uid: &str) -> Option<String> {
        self.types.app_event(uid).filter(|definition| definition.event_type() == uid)?;
        Some(self.fully_qualified_name_of(uid))
    }

    fn fully_qualified_name_of(&self, uid: &str) -> String {
        format!("app{}-{uid}", self.app_id.unwrap_or(DEFAULT_APP_ID))
    }

    /// The template with this id, as the template routes answer it.
    pub(crate) fn get(&self, id: &str) -> Option<TimelineEventTemplate> {
        let definition = self.types.template(id)?;
        let template = TimelineEventTemplate::from(definition.clone());
        Some(match self.times.get(id) {
            Some(times) => times.apply(template),
            None => template,
        })
    }

    /// Every template, by id.
    pub(crate) fn all(&self) -> Vec<TimelineEventTemplate> {
        self.types.templates().filter_map(|definition| self.get(definition.event_type())).collect()
    }

    /// Stores a new template under a fresh id and returns it.
    pub(crate) fn create(&mut self, mut template: TimelineEventTemplate) -> Result<TimelineEventTemplate, String> {
        while self.types.template(&self.next_id.to_string()).is_some() {
            self.next_id += 1;
        }
        template.id = self.next_id.to_string();
        self.next_id += 1;
        let now = Some(Utc::now());
        (template.created_at, template.updated_at) = (now, now);
        for token in &mut template.tokens {
            (token.created_at, token.updated_at) = (now, now);
        }
        self.add_template(template.clone())?;
        Ok(template)
    }

    /// Changes the template with this id as `change` says, if it says `Ok`;
    /// `None` when there is no such template.
    pub(crate) fn update<T, E>(
        &mut self,
        id: &str,
        change: impl FnOnce(&mut TimelineEventTemplate) -> Result<T, E>,
    ) -> Option<Result<T, E>> {
        let mut template = self.get(id)?;
        let changed = change(&mut template);
        if changed.is_ok() {
            *self.types.template_mut(id)? = Definition::from(&template);
            self.times.insert(id.to_owned(), TemplateTimes::of(&template));
        }
        Some(changed)
    }

    /// Removes a template; `false` if there was none.
    pub(crate) fn remove(&mut self, id: &str) -> bool {
        self.times.remove(id);
        self.types.remove_template(id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEBINAR: &str = r#"{"uid": "webinar", "type": "app-event",
        "config": {"name": "Webinar", "objectType": "COMPANY",
                   "properties": [{"name": "kind", "type": "enumeration", "options": [{"value": "ama"}]}]}}"#;

    fn parse(text: &str) -> Definition {
        timeline_template::definition::parse(text).unwrap()
    }

    #[test]
    fn a_type_answers_to_its_uid_and_its_fully_qualified_name() {
        let mut store = TemplateStore::new(Some(31));
        store.add_app_event(parse(WEBINAR)).unwrap();
        let by_uid = store.types().app_event("webinar").unwrap();
        assert_eq!(store.fully_qualified_name("webinar").as_deref(), Some("app31-webinar"));
        assert_eq!((by_uid.object_type.as_str(), by_uid.custom_object), ("companies", false));
        assert_eq!(store.types().app_event("app31-webinar"), Some(by_uid));
        assert_eq!(store.types().app_event("app1-webinar"), None);
        assert_eq!(store.fully_qualified_name("app31-webinar"), None, "a uid, not another name");
    }

    #[test]
    fn supports_custom_object_makes_a_custom_object_type_without_an_object_type() {
        let text = r#"{"uid": "shipped", "type": "app-event",
            "config": {"name": "Shipped", "supportsCustomObject": true, "properties": []}}"#;
        let definition = parse(text);
        assert!(definition.custom_object);
        let mut store = TemplateStore::new(None);
        store.add_app_event(definition).unwrap();
        assert!(store.types().app_event("app1-shipped").unwrap().custom_object);
    }

    #[test]
    fn event_templates_and_bad_properties_are_refused() {
        let template = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts"}"#;
        assert!(TemplateStore::new(None).add_app_event(parse(template)).unwrap_err().contains("not an app event"));
        let twice = WEBINAR.replace(r#""properties": ["#, r#""properties": [{"name": "kind", "type": "string"}, "#);
        let error = TemplateStore::new(None).add_app_event(parse(&twice)).unwrap_err();
        assert!(error.contains("`kind` is defined twice"), "{error}");
        let options_on_string = WEBINAR.replace(r#""type": "enumeration""#, r#""type": "string""#);
        let error = TemplateStore::new(None).add_app_event(parse(&options_on_string)).unwrap_err();
        assert!(error.contains("only enumeration properties have options"), "{error}");
    }

    #[test]
    fn templates_keep_their_times_through_changes() {
        let mut store = TemplateStore::new(None);
        let template: TimelineEventTemplate = serde_json::from_str(
            r#"{"id": "7", "name": "T", "objectType": "deals", "createdAt": "2026-05-04T09:15:00.000Z",
                "tokens": [{"name": "a", "label": "A", "type": "string", "updatedAt": "2026-05-05T09:15:00.000Z"}]}"#,
        )
        .unwrap();
        store.add_template(template.clone()).unwrap();
        assert_eq!(store.get("7"), Some(template.clone()));
        let refused: Option<Result<(), &str>> = store.update("7", |template| {
            template.name = "changed".to_owned();
            Err("no")
        });
        assert_eq!(refused, Some(Err("no")));
        assert_eq!(store.get("7"), Some(template));
        let created = store.create(TimelineEventTemplate { id: String::new(), ..store.get("7").unwrap() }).unwrap();
        assert_eq!(created.id, FIRST_CREATED_ID.to_string());
        assert!(created.tokens[0].created_at.is_some());
        assert_eq!(store.all().len(), 2);
        assert!(store.remove("7") && !store.remove("7"));
    }
}
