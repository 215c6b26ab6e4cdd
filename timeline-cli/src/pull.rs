//! `timeline templates pull`: every template of an app, one stable JSON file
//! each; with `--check`, a comparison of the app's templates with the files.

use std::path::{Path, PathBuf};

use timeline_core::Client;
use timeline_core::wire::TimelineEventTemplate;

use crate::canonical_json;
use crate::error::CliError;
use crate::line_diff;

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
pub async fn pull(client: &Client, app_id: i32, out: &Path) -> Result<Pulled, CliError> {
    let templates = sorted_templates(client, app_id).await?;
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

/// How the app's templates and the files of a folder differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// Templates whose file holds the same JSON.
    pub matching: usize,
    /// Every template or file that does not match, by file name.
    pub differences: Vec<Difference>,
}

impl Drift {
    /// Whether every template matches its file and no file is left over.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }
}

/// One template whose file differs or is missing, or one file without a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The file, `out/<id>.json`.
    pub file: PathBuf,
    /// What differs.
    pub kind: DifferenceKind,
    /// A unified-style line diff from the file to the app's template (see [`line_diff::unified`]).
    pub diff: String,
}

/// How a file and the app's template differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DifferenceKind {
    /// Both exist and their JSON differs.
    Changed,
    /// The app has the template; the folder has no file for it.
    Missing,
    /// The folder has a file `<digits>.json` for a template the app does not have.
    Extra,
}

/// Compares the templates of app `app_id` with the files `pull` would have
/// written to `out`, writing nothing. Files are compared as JSON (key order
/// and spacing do not matter); only `<digits>.json` files count as template
/// files, and a missing folder holds none.
pub async fn check(client: &Client, app_id: i32, out: &Path) -> Result<Drift, CliError> {
    let templates = sorted_templates(client, app_id).await?;
    let mut drift = Drift { matching: 0, differences: Vec::new() };
    let mut expected = Vec::with_capacity(templates.len());
    for template in &templates {
        let name = file_name(template)?;
        let path = out.join(&name);
        let app_side = format!("app {app_id}, template {}", template.id);
        let wanted = render(template);
        let (kind, current) = match std::fs::read_to_string(&path) {
            Ok(text) => (DifferenceKind::Changed, canonical_text(&text)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => (DifferenceKind::Missing, String::new()),
            Err(error) => return Err(CliError::Io { path, error }),
        };
        let file_side = path.display().to_string();
        let diff = line_diff::unified(&file_side, &app_side, &current, &wanted);
        if diff.is_empty() {
            drift.matching += 1;
        } else {
            drift.differences.push(Difference { file: path, kind, diff });
        }
        expected.push(name);
    }
    for path in template_files(out)? {
        let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        if expected.contains(&name) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(CliError::io(&path))?;
        let diff = line_diff::unified(
            &path.display().to_string(),
            &format!("app {app_id}: no such template"),
            &canonical_text(&text),
            "",
        );
        drift.differences.push(Difference { file: path, kind: DifferenceKind::Extra, diff });
    }
    Ok(drift)
}

/// The app's templates, by id.
async fn sorted_templates(client: &Client, app_id: i32) -> Result<Vec<TimelineEventTemplate>, CliError> {
    let mut templates = client.templates(app_id).list().await?;
    templates.sort_by(|left, right| left.id.cmp(&right.id));
    Ok(templates)
}

/// `text` as canonical JSON, or as it is when it is not JSON.
fn canonical_text(text: &str) -> String {
    match serde_json::from_str(text) {
        Ok(value) => canonical_json::pretty(value),
        Err(_) => text.to_owned(),
    }
}

/// The `<digits>.json` files of `dir`, by name; none when `dir` does not exist.
fn template_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(CliError::Io { path: dir.to_owned(), error }),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(CliError::io(dir))?.path();
        let is_template = path.extension().is_some_and(|extension| extension == "json")
            && path.file_stem().and_then(|stem| stem.to_str()).is_some_and(is_template_id);
        if is_template {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The file name of a template: its id, which never changes.
fn file_name(template: &TimelineEventTemplate) -> Result<String, CliError> {
    if !is_template_id(&template.id) {
        return Err(CliError::Usage(format!("the API returned a template with id {:?}, not digits", template.id)));
    }
    Ok(format!("{}.json", template.id))
}

/// Whether `text` has the form of a template id: digits only.
fn is_template_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// The file's text: the template as pretty JSON with sorted keys.
pub fn render(template: &TimelineEventTemplate) -> String {
    canonical_json::pretty(serde_json::to_value(template).unwrap_or_default())
}
