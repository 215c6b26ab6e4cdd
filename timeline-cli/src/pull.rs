//! `timeline templates pull`: every template of an app, one stable JSON file each.

use std::path::{Path, PathBuf};

use timeline_core::Client;
use timeline_core::wire::TimelineEventTemplate;

use crate::canonical_json;
use crate::error::CliError;

/// What a pull wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The template files, by template id.
    pub files: Vec<PathBuf>,
    /// How many of them changed (or are new).
    pub changed: usize,
}

/// Fetches every template of app `app_id` and writes each to
/// `out/<id>.json`, in the get-template JSON format with sorted keys. A file
/// whose content is the same is left untouched.
pub async fn pull(client: &Client, app_id: u32, out: &Path) -> Result<Pulled, CliError> {
    let mut templates = client.templates(app_id).list().await?;
    templates.sort_by(|left, right| left.id.cmp(&right.id));
    std::fs::create_dir_all(out).map_err(CliError::io(out))?;
    let mut pulled = Pulled { files: Vec::new(), changed: 0 };
    for template in templates {
        let path = out.join(file_name(&template)?);
        let text = render(&template);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).map_err(CliError::io(&path))?;
            pulled.changed += 1;
        }
        pulled.files.push(path);
    }
    Ok(pulled)
}

/// The file name of a template: its id, which never changes.
fn file_name(template: &TimelineEventTemplate) -> Result<String, CliError> {
    if template.id.is_empty() || !template.id.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(CliError::Usage(format!("the API returned a template with id {:?}, not digits", template.id)));
    }
    Ok(format!("{}.json", template.id))
}

/// The file's text: the template as pretty JSON with sorted keys.
pub fn render(template: &TimelineEventTemplate) -> String {
    canonical_json::pretty(serde_json::to_value(template).unwrap_or_default())
}
