//! `timeline templates push`: create or update an app's templates from
//! template files.
//!
//! Every file is compared with the app's templates first, and the whole push
//! is refused before any write when one of them asks for a change HubSpot
//! refuses (a template's object type, a token's type). Tokens are added with
//! the create-token call and changed with the update-token call; tokens the
//! app has and the file does not are kept (removing a token is left to
//! HubSpot's own tools, since the events that hold it keep showing it).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use timeline_core::Templates;
use timeline_core::wire::{
    TimelineEventTemplate, TimelineEventTemplateCreateRequest, TimelineEventTemplateToken,
    TimelineEventTemplateTokenUpdateRequest, TimelineEventTemplateUpdateRequest,
};

use crate::error::CliError;

/// A template as a file defines it: HubSpot's get-template JSON, as `pull`
/// writes it, with or without its `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The file it was read from.
    pub file: PathBuf,
    /// The template id, if the file has one.
    pub id: Option<String>,
    /// The template's name.
    pub name: String,
    /// The CRM object type, such as `contacts`.
    pub object_type: String,
    /// The tokens.
    pub tokens: Vec<TimelineEventTemplateToken>,
    /// The header template.
    pub header_template: Option<String>,
    /// The detail template.
    pub detail_template: Option<String>,
}

/// The fields of a template file that a push uses (`createdAt` and
/// `updatedAt` are read-only, and ignored).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DefinitionFile {
    #[serde(default)]
    id: Option<String>,
    name: String,
    object_type: String,
    #[serde(default)]
    tokens: Vec<TimelineEventTemplateToken>,
    #[serde(default)]
    header_template: Option<String>,
    #[serde(default)]
    detail_template: Option<String>,
}

impl Definition {
    /// Reads the template file at `path`.
    pub fn read(path: &Path) -> Result<Definition, CliError> {
        let text = std::fs::read_to_string(path).map_err(CliError::io(path))?;
        let file: DefinitionFile = serde_json::from_str(&text).map_err(|error| {
            CliError::Usage(format!("{}: not a template file (HubSpot's get-template JSON): {error}", path.display()))
        })?;
        Ok(Definition {
            file: path.to_owned(),
            id: file.id.filter(|id| !id.is_empty()),
            name: file.name,
            object_type: file.object_type,
            tokens: file.tokens,
            header_template: file.header_template,
            detail_template: file.detail_template,
        })
    }
}

/// One write a push makes (or, with `--dry-run`, would make).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Step {
    /// A new template.
    Create {
        /// The file that defines it.
        file: PathBuf,
        /// The id the file gave, which the app does not have (HubSpot picks the new template's id).
        unknown_id: Option<String>,
        /// The create-template body.
        request: TimelineEventTemplateCreateRequest,
    },
    /// Changes to an existing template.
    Update(Update),
}

/// The changes to one existing template, in the order they are made.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The file that defines it.
    pub file: PathBuf,
    /// The template id.
    pub template_id: String,
    /// Tokens the app's template does not have yet.
    pub new_tokens: Vec<TimelineEventTemplateToken>,
    /// Tokens whose label, options or property change, by name.
    pub changed_tokens: Vec<(String, TimelineEventTemplateTokenUpdateRequest)>,
    /// The update-template body, when the name, header or detail template change.
    pub template: Option<TimelineEventTemplateUpdateRequest>,
    /// Tokens of the app's template that the file does not have; they are kept.
    pub kept_tokens: Vec<String>,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Create { file, unknown_id, request } => {
                write!(
                    f,
                    "create template {:?} ({}, {} tokens) from {}",
                    request.name,
                    request.object_type,
                    request.tokens.len(),
                    file.display()
                )?;
                if let Some(id) = unknown_id {
                    write!(f, " (the app has no template {id}; the new one gets an id of its own)")?;
                }
                Ok(())
            }
            Step::Update(update) => write!(f, "update {update}"),
        }
    }
}

impl fmt::Display for Update {
    /// `template ID from FILE: ` and the changes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let update = self;
        write!(f, "template {} from {}: ", update.template_id, update.file.display())?;
        let mut changes: Vec<String> = Vec::new();
        changes.extend(update.new_tokens.iter().map(|token| format!("add token `{}`", token.name)));
        changes.extend(update.changed_tokens.iter().map(|(name, _)| format!("change token `{name}`")));
        if update.template.is_some() {
            changes.push("change its name, header or detail template".to_owned());
        }
        write!(f, "{}", changes.join(", "))?;
        if !update.kept_tokens.is_empty() {
            write!(f, " (kept, not in the file: `{}`)", update.kept_tokens.join("`, `"))?;
        }
        Ok(())
    }
}

/// The writes that make the app's templates (`app`) what `definitions`
/// say, leaving out templates that already are. Refused as a whole, before
/// any write, when a file changes a template's object type or a token's
/// type (HubSpot refuses both), or two files have the same id.
///
/// ```
/// use timeline_cli::push::{Definition, Step, plan};
/// let app: Vec<timeline_core::wire::TimelineEventTemplate> = vec![serde_json::from_str(
///     r#"{"id": "7", "name": "Signed up", "objectType": "contacts", "tokens": []}"#).unwrap()];
/// let moved = Definition { file: "7.json".into(), id: Some("7".into()), name: "Signed up".into(),
///     object_type: "deals".into(), tokens: vec![], header_template: None, detail_template: None };
/// let error = plan(&app, vec![moved.clone()]).unwrap_err().to_string();
/// assert!(error.contains("object type"), "{error}");
/// let new = Definition { id: None, ..moved };
/// assert!(matches!(plan(&app, vec![new]).unwrap()[..], [Step::Create { .. }]));
/// ```
pub fn plan(app: &[TimelineEventTemplate], definitions: Vec<Definition>) -> Result<Vec<Step>, CliError> {
    let mut refusals = Vec::new();
    let mut steps = Vec::new();
    for (index, definition) in definitions.iter().enumerate() {
        if let Some(id) = &definition.id
            && let Some(earlier) = definitions[..index].iter().find(|earlier| earlier.id.as_ref() == Some(id))
        {
            refusals.push(format!(
                "{} and {} both define template {id}",
                earlier.file.display(),
                definition.file.display()
            ));
        }
    }
    for definition in definitions {
        let existing = definition.id.as_ref().and_then(|id| app.iter().find(|template| &template.id == id));
        match existing {
            Some(existing) => match update(existing, definition) {
                Ok(Some(update)) => steps.push(Step::Update(update)),
                Ok(None) => {}
                Err(mut refused) => refusals.append(&mut refused),
            },
            None => steps.push(Step::Create {
                unknown_id: definition.id,
                file: definition.file,
                request: TimelineEventTemplateCreateRequest {
                    name: definition.name,
                    object_type: definition.object_type,
                    tokens: definition.tokens.into_iter().map(without_timestamps).collect(),
                    header_template: definition.header_template,
                    detail_template: definition.detail_template,
                },
            }),
        }
    }
    if refusals.is_empty() { Ok(steps) } else { Err(CliError::PushRefused(refusals)) }
}

/// The changes from `existing` to `definition`: `None` when there are none,
/// the changes HubSpot refuses otherwise.
fn update(existing: &TimelineEventTemplate, definition: Definition) -> Result<Option<Update>, Vec<String>> {
    let file = definition.file.display();
    let mut refusals = Vec::new();
    if definition.object_type != existing.object_type {
        refusals.push(format!(
            "{file}: template {} is on {}, the file says {}; HubSpot cannot change a template's object type \
             (drop the file's `id` to create a new template instead)",
            existing.id, existing.object_type, definition.object_type
        ));
    }
    let mut new_tokens = Vec::new();
    let mut changed_tokens = Vec::new();
    for token in &definition.tokens {
        match existing.tokens.iter().find(|old| old.name == token.name) {
            None => new_tokens.push(without_timestamps(token.clone())),
            Some(old) if old.kind != token.kind => refusals.push(format!(
                "{file}: token `{}` of template {} is a {} token, the file says {}; HubSpot cannot change a \
                 token's type (give the token a new name instead)",
                token.name, existing.id, old.kind, token.kind
            )),
            Some(old)
                if old.label != token.label
                    || old.options != token.options
                    || old.object_property_name != token.object_property_name =>
            {
                changed_tokens.push((
                    token.name.clone(),
                    TimelineEventTemplateTokenUpdateRequest {
                        label: token.label.clone(),
                        options: token.options.clone(),
                        object_property_name: token.object_property_name.clone(),
                    },
                ));
            }
            Some(_) => {}
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    let kept_tokens: Vec<String> = existing
        .tokens
        .iter()
        .filter(|old| definition.tokens.iter().all(|token| token.name != old.name))
        .map(|old| old.name.clone())
        .collect();
    let template_changes = definition.name != existing.name
        || definition.header_template != existing.header_template
        || definition.detail_template != existing.detail_template;
    let template = template_changes.then(|| {
        let tokens = existing
            .tokens
            .iter()
            .map(|old| definition.tokens.iter().find(|token| token.name == old.name).unwrap_or(old).clone())
            .chain(new_tokens.iter().cloned())
            .map(without_timestamps)
            .collect();
        TimelineEventTemplateUpdateRequest {
            id: existing.id.clone(),
            name: definition.name.clone(),
            tokens,
            header_template: definition.header_template.clone(),
            detail_template: definition.detail_template.clone(),
        }
    });
    if new_tokens.is_empty() && changed_tokens.is_empty() && template.is_none() {
        return Ok(None);
    }
    Ok(Some(Update {
        file: definition.file,
        template_id: existing.id.clone(),
        new_tokens,
        changed_tokens,
        template,
        kept_tokens,
    }))
}

/// Makes the writes of `step` and says what was done.
pub async fn apply(templates: &Templates<'_>, step: &Step) -> Result<String, CliError> {
    match step {
        Step::Create { file, request, .. } => {
            let created = templates.create(request).await?;
            Ok(format!(
                "created template {} ({:?}) from {}; its file from `timeline templates pull` will be {}.json",
                created.id,
                created.name,
                file.display(),
                created.id
            ))
        }
        Step::Update(update) => {
            for token in &update.new_tokens {
                templates.create_token(&update.template_id, token).await?;
            }
            for (name, request) in &update.changed_tokens {
                templates.update_token(&update.template_id, name, request).await?;
            }
            if let Some(request) = &update.template {
                templates.update(&update.template_id, request).await?;
            }
            Ok(format!("updated {update}"))
        }
    }
}

/// `token` without its read-only `createdAt` and `updatedAt`.
fn without_timestamps(token: TimelineEventTemplateToken) -> TimelineEventTemplateToken {
    TimelineEventTemplateToken { created_at: None, updated_at: None, ..token }
}
