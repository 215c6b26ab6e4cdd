//! The event templates the sandbox holds, and the rules a template must follow.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::Utc;
use timeline_core::TokenKind;
use timeline_core::wire::{TimelineEventTemplate, TimelineEventTemplateToken, TimelineEventTemplateTokenOption};
use timeline_template::names::{MAX_TOKENS, NameProblem, check_token_name};

/// The first id given to a template created over HTTP.
const FIRST_CREATED_ID: u64 = 1_000_000;

/// Templates by id.
#[derive(Debug, Default)]
pub(crate) struct TemplateStore {
    templates: BTreeMap<String, TimelineEventTemplate>,
    next_id: u64,
}

impl TemplateStore {
    /// A store holding `templates`, each checked.
    pub(crate) fn with_templates(templates: Vec<TimelineEventTemplate>) -> Result<Self, String> {
        let mut store = TemplateStore { templates: BTreeMap::new(), next_id: FIRST_CREATED_ID };
        for template in templates {
            if template.id.trim().is_empty() {
                return Err(format!("template `{}` has no id", template.name));
            }
            check_template(&template.name, &template.object_type, &template.tokens)
                .map_err(|problem| format!("template {}: {problem}", template.id))?;
            if store.templates.contains_key(&template.id) {
                return Err(format!("template id {} is given twice", template.id));
            }
            store.templates.insert(template.id.clone(), template);
        }
        Ok(store)
    }

    /// The template with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&TimelineEventTemplate> {
        self.templates.get(id)
    }

    /// Every template, by id.
    pub(crate) fn all(&self) -> Vec<TimelineEventTemplate> {
        self.templates.values().cloned().collect()
    }

    /// Stores a new template under a fresh id and returns it.
    pub(crate) fn create(&mut self, mut template: TimelineEventTemplate) -> TimelineEventTemplate {
        while self.templates.contains_key(&self.next_id.to_string()) {
            self.next_id += 1;
        }
        template.id = self.next_id.to_string();
        self.next_id += 1;
        let now = Utc::now();
        template.created_at = Some(now);
        template.updated_at = Some(now);
        for token in &mut template.tokens {
            token.created_at = Some(now);
            token.updated_at = Some(now);
        }
        self.templates.insert(template.id.clone(), template.clone());
        template
    }

    /// The template with this id, to change in place.
    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut TimelineEventTemplate> {
        self.templates.get_mut(id)
    }

    /// Removes a template; `false` if there was none.
    pub(crate) fn remove(&mut self, id: &str) -> bool {
        self.templates.remove(id).is_some()
    }
}

/// Reads every `*.json` file of `dir`, in name order, as an event template
/// (the JSON the get-template endpoint returns).
pub(crate) fn load_dir(dir: &Path) -> Result<Vec<TimelineEventTemplate>, String> {
    let entries = std::fs::read_dir(dir).map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text =
                std::fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            serde_json::from_str(&text).map_err(|error| format!("{} is not an event template: {error}", path.display()))
        })
        .collect()
}

/// Checks a template's name, object type and tokens.
pub(crate) fn check_template(
    name: &str,
    object_type: &str,
    tokens: &[TimelineEventTemplateToken],
) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("the template's `name` must not be empty".to_owned());
    }
    if object_type.trim().is_empty() {
        return Err("the template's `objectType` must not be empty (such as `contacts`)".to_owned());
    }
    if tokens.len() > MAX_TOKENS {
        return Err(format!("a template may have at most {MAX_TOKENS} tokens, this one has {}", tokens.len()));
    }
    let mut seen = HashSet::new();
    for token in tokens {
        check_token(token)?;
        if !seen.insert(token.name.as_str()) {
            return Err(format!("token `{}` is defined twice", token.name));
        }
    }
    Ok(())
}

/// Checks one token's name, label and options.
pub(crate) fn check_token(token: &TimelineEventTemplateToken) -> Result<(), String> {
    let name = &token.name;
    match check_token_name(name) {
        Ok(()) => {}
        Err(NameProblem::Empty | NameProblem::BadChar(_)) => {
            return Err(format!("token name `{name}` may only hold ASCII letters, digits, `.`, `-` and `_`"));
        }
        Err(NameProblem::Reserved) => {
            return Err(format!("token name `{name}` is reserved by HubSpot; choose another name"));
        }
    }
    if token.label.trim().is_empty() {
        return Err(format!("token `{name}` needs a `label`"));
    }
    check_options(name, token.kind, &token.options)
}

/// Checks that enumeration tokens, and only they, have distinct options.
pub(crate) fn check_options(
    name: &str,
    kind: TokenKind,
    options: &[TimelineEventTemplateTokenOption],
) -> Result<(), String> {
    match kind {
        TokenKind::Enumeration if options.is_empty() => {
            Err(format!("enumeration token `{name}` needs at least one option"))
        }
        TokenKind::Enumeration => {
            let mut values = HashSet::new();
            match options.iter().find(|option| !values.insert(option.value.as_str())) {
                Some(option) => {
                    Err(format!("enumeration token `{name}` has the option value `{}` twice", option.value))
                }
                None => Ok(()),
            }
        }
        _ if !options.is_empty() => {
            Err(format!("token `{name}` is a {kind} token; only enumeration tokens have options"))
        }
        _ => Ok(()),
    }
}
