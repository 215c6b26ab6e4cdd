//! `timeline codegen`: Rust event types for template files.
//!
//! For each template: one `#[derive(TimelineEvent)]` struct bound to the
//! file with `#[timeline(template = "…")]` (so the derive checks it at
//! compile time), with a target, id and timestamp field and one field per
//! token, and one `#[derive(TimelineToken)]` enum per enumeration token.
//! An app-event `*-hsmeta.json` gives an app-event struct (its events go to
//! the app-events API under the file's `uid`), with an `object_type` field
//! when the definition is for custom objects; given a template id, it gives
//! a v3 struct checked against the definition instead.
//!
//! Every text copied from a template file is escaped where it is written:
//! string literals with Rust's escapes ([`literal`]), comments as one line
//! with Markdown's special characters escaped ([`doc_text`], [`doc_code`]),
//! and identifiers only through the name functions (ASCII letters, digits
//! and `_`, never a keyword).

mod names;

use std::fmt::Write;
use std::path::{Path, PathBuf};

use timeline_core::TemplateFileError;
use timeline_template::{CUSTOM_OBJECTS, Definition, Origin, Token, TokenKind};

use crate::error::CliError;
use names::{Names, pascal_case, snake_case};

/// A template file to generate code for.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path to write in `#[timeline(template = "…")]`, relative to the crate's folder.
    pub written: String,
    /// What the file defines.
    pub definition: Definition,
    /// What the generated struct is.
    pub kind: SourceKind,
}

/// What a [`Source`] generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// A v3 timeline event of the template with the file's id.
    Timeline,
    /// A v3 timeline event checked against an app-event definition, with
    /// this `template_id`.
    TimelineWithId(String),
    /// An app event of the definition with this `uid`.
    AppEvent {
        /// The definition's `uid`, the event type name.
        uid: String,
    },
}

impl Source {
    /// Reads `file` and words its path relative to `crate_dir`. An
    /// app-event definition makes an app-event struct, or with `template_id`
    /// a v3 struct checked against it.
    pub fn read(file: &Path, crate_dir: &Path, template_id: Option<&str>) -> Result<Source, CliError> {
        let written = relative_path(file, crate_dir)?;
        let definition = timeline_template::definition::read(file)?;
        Ok(Source::new(written, definition, template_id).map_err(|error| error.in_file(file))?)
    }

    /// The source of `definition`, written `written`: see [`Source::read`].
    fn new(written: String, definition: Definition, template_id: Option<&str>) -> Result<Source, TemplateFileError> {
        let kind = match (&definition.origin, template_id) {
            (Origin::AppEvent { uid }, None) => SourceKind::AppEvent { uid: uid.clone() },
            (Origin::AppEvent { .. }, Some(id)) => SourceKind::TimelineWithId(id.to_owned()),
            (Origin::EventTemplate { id: own }, Some(id)) if own != id => {
                return Err(TemplateFileError::Malformed {
                    path: None,
                    reason: format!("its `id` is {own}, not the template id {id} it was given"),
                });
            }
            (Origin::EventTemplate { .. }, _) => SourceKind::Timeline,
        };
        Ok(Source { written, definition, kind })
    }

    /// Whether the events go on custom-object records, and so name their object type.
    fn custom_object(&self) -> bool {
        matches!(self.kind, SourceKind::AppEvent { .. }) && self.definition.object_type == CUSTOM_OBJECTS
    }

    /// The v3 template id the events are sent with (empty for an app event).
    fn template_id(&self) -> &str {
        match (&self.kind, &self.definition.origin) {
            (SourceKind::TimelineWithId(id), _) => id,
            (_, Origin::EventTemplate { id }) => id,
            (_, Origin::AppEvent { .. }) => "",
        }
    }

    /// How comments name the template: `template 1001298` or ``app event `uid` ``.
    fn described(&self) -> String {
        match &self.kind {
            SourceKind::AppEvent { uid } => format!("app event {}", doc_code(uid)),
            SourceKind::Timeline | SourceKind::TimelineWithId(_) => {
                format!("template {}", doc_text(self.template_id()))
            }
        }
    }
}

/// `file` relative to `crate_dir`, with `/` separators.
fn relative_path(file: &Path, crate_dir: &Path) -> Result<String, CliError> {
    let canonical = |path: &Path| path.canonicalize().map_err(CliError::io(path));
    let (file_abs, dir_abs) = (canonical(file)?, canonical(crate_dir)?);
    let relative: PathBuf = file_abs.strip_prefix(&dir_abs).map(Path::to_owned).map_err(|_| {
        CliError::Usage(format!(
            "{} is not inside the crate folder {}; the derive resolves template paths against the crate's folder, \
             so pass --crate-dir",
            file.display(),
            crate_dir.display()
        ))
    })?;
    let parts: Vec<String> =
        relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
    Ok(parts.join("/"))
}

/// The code for `sources`: one `use` line, then each template's types.
pub fn generate(sources: &[Source]) -> String {
    let mut code = String::from(
        "// Generated by `timeline codegen`. Needs the `hubspot-timeline` and `chrono` crates.\n\
         use hubspot_timeline::{TimelineEvent, TimelineToken};\n",
    );
    let mut type_names = Names::default();
    for source in sources {
        code.push('\n');
        code.push_str(&generate_one(source, &mut type_names));
    }
    code
}

/// The enums and the struct of one template.
fn generate_one(source: &Source, type_names: &mut Names) -> String {
    let template = &source.definition;
    let base = pascal_case(&template.name);
    let fallback = match &source.kind {
        SourceKind::AppEvent { uid } => pascal_case(uid),
        SourceKind::Timeline | SourceKind::TimelineWithId(_) => String::new(),
    };
    let fallback =
        if fallback.is_empty() { pascal_case(&format!("Template {}", source.template_id())) } else { fallback };
    let struct_name = type_names.claim(if base.is_empty() { fallback } else { base });
    let described = source.described();
    let custom_object = source.custom_object();
    let mut code = String::new();
    let mut fields = if custom_object {
        Names::with_reserved(["object_id", "object_type", "id", "timestamp"])
    } else {
        Names::with_reserved(["object_id", "id", "timestamp"])
    };
    let mut field_lines = String::new();
    let mut every_token = true;
    for token in &template.tokens {
        if token.kind == TokenKind::Enumeration && token.options.is_empty() {
            every_token = false;
            let _ = writeln!(
                field_lines,
                "    // Token {} is an enumeration without options: no field.",
                doc_code(&token.name)
            );
            continue;
        }
        let field = fields.claim(snake_case(&token.name));
        let rust_type = match token.kind {
            TokenKind::String => "String".to_owned(),
            TokenKind::Number => "f64".to_owned(),
            TokenKind::Date => "chrono::DateTime<chrono::Utc>".to_owned(),
            TokenKind::Enumeration => {
                let enum_name = type_names.claim(format!("{struct_name}{}", pascal_case(&token.name)));
                code.push_str(&enumeration(&enum_name, token, &described));
                enum_name
            }
        };
        let label = if token.label.is_empty() { String::new() } else { format!(": {}", doc_text(&token.label)) };
        let _ = write!(
            field_lines,
            "    /// Token {} ({}){label}.\n    #[timeline(rename = {})]\n    pub {field}: {rust_type},\n",
            doc_code(&token.name),
            token.kind,
            literal(&token.name)
        );
    }
    let mut binding = match &source.kind {
        SourceKind::TimelineWithId(id) => {
            format!("template = {}, template_id = {}", literal(&source.written), literal(id))
        }
        SourceKind::Timeline | SourceKind::AppEvent { .. } => format!("template = {}", literal(&source.written)),
    };
    if every_token {
        binding.push_str(", require_all_tokens");
    }
    let (on, record) = if custom_object {
        ("custom objects".to_owned(), "custom object".to_owned())
    } else {
        (doc_text(&template.object_type), doc_text(&singular(&template.object_type)))
    };
    let object_type_field = if custom_object {
        "    /// The fully-qualified name of the record's custom object type (`objectTypeFullyQualifiedName`).\n\
         \x20   #[timeline(object_type)]\n\
         \x20   pub object_type: String,\n"
    } else {
        ""
    };
    let kind = match source.kind {
        SourceKind::AppEvent { .. } => "An app event",
        SourceKind::Timeline | SourceKind::TimelineWithId(_) => "An event",
    };
    let _ = write!(
        code,
        "/// {kind} of {described} ({}), on {on}.\n\
         #[derive(Debug, Clone, TimelineEvent)]\n\
         #[timeline({binding})]\n\
         pub struct {struct_name} {{\n\
         \x20   /// The {record} record the event goes on.\n\
         \x20   #[timeline(object_id)]\n\
         \x20   pub object_id: String,\n\
         {object_type_field}\
         \x20   /// The event's idempotency key: sending the same id again never makes a second event.\n\
         \x20   #[timeline(id)]\n\
         \x20   pub id: String,\n\
         \x20   /// When it happened.\n\
         \x20   #[timeline(timestamp)]\n\
         \x20   pub timestamp: chrono::DateTime<chrono::Utc>,\n\
         {field_lines}}}\n",
        doc_text(&template.name),
    );
    code
}

/// The enum of an enumeration token's options; `described` names the template.
fn enumeration(name: &str, token: &Token, described: &str) -> String {
    let mut variants = Names::default();
    let mut code = format!(
        "/// The options of token {} of {described}.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, TimelineToken)]\n\
         pub enum {name} {{\n",
        doc_code(&token.name),
    );
    for option in &token.options {
        let base = pascal_case(&option.value);
        let variant = variants.claim(if base.is_empty() { "Option".to_owned() } else { base });
        let label = if option.label.is_empty() { String::new() } else { format!(": {}", doc_text(&option.label)) };
        let _ = write!(
            code,
            "    /// Option {}{label}.\n    #[timeline(rename = {})]\n    {variant},\n",
            doc_code(&option.value),
            literal(&option.value)
        );
    }
    code.push_str("}\n\n");
    code
}

/// `contacts` → `contact`, `companies` → `company`.
fn singular(object_type: &str) -> String {
    match object_type.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => object_type.strip_suffix('s').unwrap_or(object_type).to_owned(),
    }
}

/// `text` as a Rust string literal, every character that needs it escaped.
///
/// ```
/// use timeline_cli::codegen::literal;
/// assert_eq!(literal("say \"hi\"\n"), r#""say \"hi\"\n""#);
/// ```
pub fn literal(text: &str) -> String {
    format!("{text:?}")
}

/// `text` as plain words inside a comment line that starts with generated
/// words: on one line (line breaks, control and invisible characters
/// written as Rust escapes such as `\n`), with the characters Markdown
/// gives a meaning mid-line (code, emphasis, links, HTML) backslash-escaped
/// so the docs show the text as it is.
///
/// ```
/// use timeline_cli::codegen::doc_text;
/// assert_eq!(doc_text("a `b`\n[c]"), r"a \`b\`\n\[c\]");
/// ```
pub fn doc_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '|') {
            escaped.push('\\');
            escaped.push(ch);
        } else {
            push_visible(&mut escaped, ch);
        }
    }
    escaped
}

/// `text` as a Markdown code span inside a comment line: on one line (as
/// [`doc_text`], and with `\` doubled so the escapes read as Rust's),
/// fenced by more backticks than any run of them in it.
///
/// ```
/// use timeline_cli::codegen::doc_code;
/// assert_eq!(doc_code("petAge"), "`petAge`");
/// assert_eq!(doc_code("a`b"), "``a`b``");
/// ```
pub fn doc_code(text: &str) -> String {
    let mut visible = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch == '\\' {
            visible.push('\\');
        }
        push_visible(&mut visible, ch);
    }
    let longest_run = visible.split(|ch| ch != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let padding = if visible.starts_with(['`', ' ']) || visible.ends_with(['`', ' ']) { " " } else { "" };
    format!("{fence}{padding}{visible}{padding}{fence}")
}

/// Pushes `ch`, or its Rust escape when it would break a comment line or
/// cannot be seen (line breaks, controls, text-direction marks).
fn push_visible(out: &mut String, ch: char) {
    if ch.is_control() || (!matches!(ch, '\\' | '"' | '\'') && ch.escape_debug().len() > 1) {
        out.extend(ch.escape_debug());
    } else {
        out.push(ch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(json: &str, explicit_id: Option<&str>) -> Source {
        let definition = timeline_template::definition::parse(json).unwrap();
        Source::new("timeline/t.json".into(), definition, explicit_id).unwrap()
    }

    #[test]
    fn app_event_files_without_an_id_give_app_event_structs() {
        let app_event = r#"{"uid": "seat_booked", "type": "app-event", "config": {"name": "Seat booked",
            "objectType": "COMPANY", "properties": [{"name": "plan", "label": "Plan", "type": "enumeration",
            "options": [{"value": "team", "label": "Team"}]}]}}"#;
        let code = generate(&[source(app_event, None)]);
        assert!(code.contains("/// An app event of app event `seat_booked` (Seat booked), on companies."), "{code}");
        assert!(
            code.contains("#[timeline(template = \"timeline/t.json\", require_all_tokens)]\npub struct SeatBooked {")
        );
        assert!(code.contains("/// The options of token `plan` of app event `seat_booked`."), "{code}");
        assert!(!code.contains("object_type"), "{code}");
    }

    #[test]
    fn custom_object_app_events_get_an_object_type_field() {
        let app_event = r#"{"uid": "car_serviced", "type": "app-event", "config": {"name": "",
            "supportsCustomObject": true, "properties": [{"name": "object_type", "type": "string"}]}}"#;
        let code = generate(&[source(app_event, None)]);
        assert!(code.contains("pub struct CarServiced {"), "the uid names a struct without a name: {code}");
        assert!(code.contains("on custom objects.\n"), "{code}");
        assert!(code.contains("    /// The custom object record the event goes on.\n"), "{code}");
        assert!(code.contains("    #[timeline(object_type)]\n    pub object_type: String,\n"), "{code}");
        assert!(code.contains("#[timeline(rename = \"object_type\")]\n    pub object_type2: String,"), "{code}");
    }

    #[test]
    fn app_event_files_get_their_template_id_written() {
        let app_event = r#"{"uid": "seat_booked", "type": "app-event", "config": {"name": "Seat booked",
            "objectType": "COMPANY", "properties": [{"name": "seats", "label": "Seats", "type": "number"}]}}"#;
        let code = generate(&[source(app_event, Some("77"))]);
        assert!(code.contains("#[timeline(template = \"timeline/t.json\", template_id = \"77\", require_all_tokens)]"));
        assert!(code.contains("/// The company record the event goes on."), "{code}");
        assert!(code.contains("pub seats: f64,"), "{code}");
    }

    #[test]
    fn literals_and_comment_texts_are_escaped() {
        assert_eq!(literal("a\"b\\c\nd\u{202e}"), r#""a\"b\\c\nd\u{202e}""#);
        assert_eq!(
            doc_text("x */ #[y] }\r\n`z` *w* _v_ [u](t) <b> &amp; ~~s~~ | \\ ☃\u{202e}\t"),
            r"x \*/ #\[y\] }\r\n\`z\` \*w\* \_v\_ \[u\](t) \<b\> \&amp; \~\~s\~\~ \| \\ ☃\u{202e}\t"
        );
        assert_eq!(doc_code("`x"), "`` `x ``");
        assert_eq!(doc_code("a``b\\\n"), r"```a``b\\\n```");
        assert_eq!(doc_code(""), "``");
    }

    #[test]
    fn a_given_template_id_reaches_names_and_literals_escaped() {
        let app_event = r#"{"uid": "u", "type": "app-event", "config": {"name": "✓", "objectType": "DEAL"}}"#;
        let code = generate(&[source(app_event, Some("7\"}\nfn injected() {"))]);
        assert!(code.contains("pub struct Template7FnInjected {"), "{code}");
        assert!(code.contains(r#"template_id = "7\"}\nfn injected() {""#), "{code}");
        assert!(code.contains(r#"/// An event of template 7"}\nfn injected() { (✓), on deals."#), "{code}");
        assert!(code.lines().all(|line| !line.starts_with("fn injected")), "{code}");
    }

    #[test]
    fn an_enumeration_without_options_gets_no_field_and_no_require_all_tokens() {
        let template = r#"{"id": "5", "name": "x", "objectType": "deals", "tokens": [
            {"name": "stage", "label": "Stage", "type": "enumeration"}]}"#;
        let code = generate(&[source(template, None)]);
        assert!(code.contains("#[timeline(template = \"timeline/t.json\")]"), "{code}");
        assert!(code.contains("// Token `stage` is an enumeration without options: no field."), "{code}");
        assert!(code.contains("pub struct X {"), "{code}");
    }
}
