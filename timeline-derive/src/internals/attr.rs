//! `#[timeline(...)]` attributes, read into typed settings.
//!
//! Every problem is recorded in the [`Ctxt`] and parsing goes on with the
//! next key, so one build reports every mistake in an input.

use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{LitStr, Token};

use super::case::RenameRule;
use super::ctxt::Ctxt;
use super::symbol::*;

/// A setting together with the span of the attribute that gave it.
#[derive(Clone, Debug)]
pub struct Sp<T> {
    /// Where the setting was written.
    pub span: Span,
    /// The setting.
    pub value: T,
}

/// A slot for a key that may be given once; a repeat is an error on the repeat.
struct Attr<'c, T> {
    cx: &'c Ctxt,
    name: Symbol,
    value: Option<Sp<T>>,
}

impl<'c, T> Attr<'c, T> {
    fn none(cx: &'c Ctxt, name: Symbol) -> Self {
        Attr { cx, name, value: None }
    }

    fn set(&mut self, span: Span, value: T) {
        if self.value.is_some() {
            self.cx.error_at(span, format!("`{}` is given twice; keep only one", self.name));
        } else {
            self.value = Some(Sp { span, value });
        }
    }

    fn get(self) -> Option<Sp<T>> {
        self.value
    }
}

/// The settings of a `#[derive(TimelineEvent)]` struct.
pub struct Container {
    /// The event template's id, when given and valid, with its literal's span.
    pub template_id: Option<Sp<String>>,
    /// Whether `template_id` was written, valid or not.
    pub template_id_written: bool,
    /// The `template = "…"` literal: the template definition file.
    pub template: Option<LitStr>,
    /// An app event's event type name, when given and valid, with its literal's span.
    pub event_type: Option<Sp<String>>,
    /// Whether `event_type` was written, valid or not.
    pub event_type_written: bool,
    /// The `objectTypeFullyQualifiedName` of every event, when given and valid.
    pub object_type: Option<Sp<String>>,
    /// Where `require_all_tokens` was written, if it was.
    pub require_all_tokens: Option<Span>,
    /// The case rule for token names.
    pub rename_all: RenameRule,
    /// The path of the runtime crate (`::hubspot_timeline` unless `crate = "…"`).
    pub krate: syn::Path,
}

const CONTAINER_KEYS: &[Symbol] =
    &[TEMPLATE_ID, TEMPLATE, EVENT_TYPE, OBJECT_TYPE, REQUIRE_ALL_TOKENS, RENAME_ALL, CRATE];

impl Container {
    /// Reads the struct's `#[timeline(...)]` attributes.
    pub fn from_ast(cx: &Ctxt, item: &syn::DeriveInput) -> Self {
        let mut template_id = Attr::none(cx, TEMPLATE_ID);
        let mut template = Attr::none(cx, TEMPLATE);
        let mut event_type = Attr::none(cx, EVENT_TYPE);
        let mut object_type = Attr::none(cx, OBJECT_TYPE);
        let mut event_type_written = false;
        let mut require_all_tokens = Attr::none(cx, REQUIRE_ALL_TOKENS);
        let mut rename_all = Attr::none(cx, RENAME_ALL);
        let mut krate = Attr::none(cx, CRATE);
        let mut template_id_written = false;

        for_each_timeline_key(cx, &item.attrs, |meta| {
            if meta.path == TEMPLATE_ID {
                template_id_written = true;
                if let Some(lit) = string_value(cx, &meta, TEMPLATE_ID, "\"1001298\"")? {
                    template_id.set(
                        meta.path.span(),
                        template_id_value(cx, &lit).map(|id| Sp { span: lit.span(), value: id }),
                    );
                }
            } else if meta.path == TEMPLATE {
                if let Some(lit) = string_value(cx, &meta, TEMPLATE, "\"timeline/pet-adopted.json\"")? {
                    template.set(meta.path.span(), lit);
                }
            } else if meta.path == EVENT_TYPE {
                event_type_written = true;
                if let Some(lit) = string_value(cx, &meta, EVENT_TYPE, "\"webinar_registered\"")? {
                    event_type.set(meta.path.span(), name_value(cx, &lit, EVENT_TYPE, "\"webinar_registered\""));
                }
            } else if meta.path == OBJECT_TYPE {
                if let Some(lit) = string_value(cx, &meta, OBJECT_TYPE, "\"p1234_car\"")? {
                    object_type.set(meta.path.span(), name_value(cx, &lit, OBJECT_TYPE, "\"p1234_car\""));
                }
            } else if meta.path == REQUIRE_ALL_TOKENS {
                if is_flag(cx, &meta, REQUIRE_ALL_TOKENS)? {
                    require_all_tokens.set(meta.path.span(), ());
                }
            } else if meta.path == RENAME_ALL {
                if let Some(rule) = rename_rule(cx, &meta)? {
                    rename_all.set(meta.path.span(), rule);
                }
            } else if meta.path == CRATE {
                if let Some(path) = crate_path(cx, &meta)? {
                    krate.set(meta.path.span(), path);
                }
            } else {
                unknown_key(cx, &meta, "a struct", CONTAINER_KEYS)?;
            }
            Ok(())
        });

        let template = template.get().map(|template| template.value);
        let require_all_tokens = require_all_tokens.get().map(|flag| flag.span);
        // A written but bad `template_id` has its own error; "missing" would only repeat it.
        if !template_id_written && !event_type_written && template.is_none() {
            cx.error_spanned_by(
                &item.ident,
                "missing `#[timeline(template_id = \"…\")]`: a timeline event needs the numeric id of its \
                 HubSpot event template, e.g. `#[timeline(template_id = \"1001298\")]`, or its definition file, \
                 e.g. `#[timeline(template = \"timeline/pet-adopted.json\")]`; an app event needs its \
                 `*-hsmeta.json` file, or its event type name, e.g. `#[timeline(event_type = \"webinar_registered\")]`",
            );
        }
        if let (Some(flag), None) = (require_all_tokens, &template) {
            cx.error_at(
                flag,
                "`require_all_tokens` checks the struct against a template definition file; add \
                 `template = \"…\"`, or remove `require_all_tokens`",
            );
        }
        Container {
            template_id: template_id.get().and_then(|id| id.value),
            template_id_written,
            template,
            event_type: event_type.get().and_then(|name| name.value),
            event_type_written,
            object_type: object_type.get().and_then(|name| name.value),
            require_all_tokens,
            rename_all: rename_all.get().map(|rule| rule.value).unwrap_or_default(),
            krate: krate.get().map(|path| path.value).unwrap_or_else(default_crate_path),
        }
    }
}

/// Checks a `template_id` literal: non-empty ASCII digits.
fn template_id_value(cx: &Ctxt, lit: &LitStr) -> Option<String> {
    let id = lit.value();
    if id.is_empty() {
        cx.error_spanned_by(
            lit,
            "`template_id` is empty: give the numeric id of the event template, e.g. `template_id = \"1001298\"`",
        );
        None
    } else if !id.bytes().all(|byte| byte.is_ascii_digit()) {
        cx.error_spanned_by(
            lit,
            format!(
                "`template_id` must be the event template's numeric id (ASCII digits only, e.g. \"1001298\"), \
                 but {id:?} is not"
            ),
        );
        None
    } else {
        Some(id)
    }
}

/// Checks the literal of a name HubSpot matches as it is (`event_type`,
/// `object_type`): not empty, no whitespace or control characters.
fn name_value(cx: &Ctxt, lit: &LitStr, key: Symbol, example: &str) -> Option<Sp<String>> {
    let name = lit.value();
    if name.is_empty() {
        cx.error_spanned_by(lit, format!("`{key}` is empty: give the name, e.g. `{key} = {example}`"));
        None
    } else if let Some(bad) = name.chars().find(|ch| ch.is_whitespace() || ch.is_control()) {
        cx.error_spanned_by(
            lit,
            format!("`{key}` is a name HubSpot matches exactly, and {name:?} has the character {bad:?}; remove it"),
        );
        None
    } else {
        Some(Sp { span: lit.span(), value: name })
    }
}

/// The settings of a `#[derive(TimelineToken)]` enum.
pub struct TokenEnum {
    /// The case rule for option values.
    pub rename_all: RenameRule,
    /// Where `rename_all` was written, if it was.
    pub rename_all_span: Option<proc_macro2::Span>,
    /// The path of the runtime crate.
    pub krate: syn::Path,
}

const TOKEN_ENUM_KEYS: &[Symbol] = &[RENAME_ALL, CRATE];

impl TokenEnum {
    /// Reads the enum's `#[timeline(...)]` attributes.
    pub fn from_ast(cx: &Ctxt, item: &syn::DeriveInput) -> Self {
        let mut rename_all = Attr::none(cx, RENAME_ALL);
        let mut krate = Attr::none(cx, CRATE);
        for_each_timeline_key(cx, &item.attrs, |meta| {
            if meta.path == RENAME_ALL {
                if let Some(rule) = rename_rule(cx, &meta)? {
                    rename_all.set(meta.path.span(), rule);
                }
            } else if meta.path == CRATE {
                if let Some(path) = crate_path(cx, &meta)? {
                    krate.set(meta.path.span(), path);
                }
            } else {
                unknown_key(cx, &meta, "a `TimelineToken` enum", TOKEN_ENUM_KEYS)?;
            }
            Ok(())
        });
        let rename_all = rename_all.get();
        TokenEnum {
            rename_all_span: rename_all.as_ref().map(|rule| rule.span),
            rename_all: rename_all.map(|rule| rule.value).unwrap_or_default(),
            krate: krate.get().map(|path| path.value).unwrap_or_else(default_crate_path),
        }
    }
}

/// The settings of one variant of a `#[derive(TimelineToken)]` enum.
pub struct Variant {
    /// The option value given with `rename = "…"`, and its literal.
    pub rename: Option<Sp<String>>,
}

impl Variant {
    /// Reads the variant's `#[timeline(...)]` attributes.
    pub fn from_ast(cx: &Ctxt, variant: &syn::Variant) -> Self {
        let mut rename = Attr::none(cx, RENAME);
        for_each_timeline_key(cx, &variant.attrs, |meta| {
            if meta.path == RENAME {
                if let Some(lit) = string_value(cx, &meta, RENAME, "\"gold\"")? {
                    rename.set(lit.span(), lit.value());
                }
            } else {
                unknown_key(cx, &meta, "a variant", &[RENAME])?;
            }
            Ok(())
        });
        Variant { rename: rename.get() }
    }
}

/// What a field with a role flag is to the event.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Role {
    /// `object_id`
    ObjectId,
    /// `email`
    Email,
    /// `utk`
    Utk,
    /// `domain`
    Domain,
    /// `id`
    Id,
    /// `timestamp`
    Timestamp,
    /// `extra_data`
    ExtraData,
    /// `iframe`
    Iframe,
    /// `object_type`: an app event's `objectTypeFullyQualifiedName`.
    ObjectType,
}

impl Role {
    /// Every role, in the order the runtime reads them.
    pub const ALL: [Role; 9] = [
        Role::ObjectId,
        Role::Email,
        Role::Utk,
        Role::Domain,
        Role::Id,
        Role::Timestamp,
        Role::ExtraData,
        Role::Iframe,
        Role::ObjectType,
    ];

    /// The flag that gives the role.
    pub fn symbol(self) -> Symbol {
        match self {
            Role::ObjectId => OBJECT_ID,
            Role::Email => EMAIL,
            Role::Utk => UTK,
            Role::Domain => DOMAIN,
            Role::Id => ID,
            Role::Timestamp => TIMESTAMP,
            Role::ExtraData => EXTRA_DATA,
            Role::Iframe => IFRAME,
            Role::ObjectType => OBJECT_TYPE,
        }
    }

    /// Whether the role names the record the event belongs to.
    pub fn is_target(self) -> bool {
        matches!(self, Role::ObjectId | Role::Email | Role::Utk)
    }

    fn from_path(path: &syn::Path) -> Option<Role> {
        Role::ALL.into_iter().find(|role| path == role.symbol())
    }
}

/// The settings of one field of a `#[derive(TimelineEvent)]` struct.
pub struct Field {
    /// The token name given with `rename = "…"`.
    pub rename: Option<Sp<String>>,
    /// Where `skip` was written, if it was.
    pub skip: Option<Span>,
    /// The field's role flag, if it has one.
    pub role: Option<Sp<Role>>,
}

const FIELD_KEYS: &[Symbol] =
    &[RENAME, SKIP, OBJECT_ID, EMAIL, UTK, DOMAIN, ID, TIMESTAMP, EXTRA_DATA, IFRAME, OBJECT_TYPE];

impl Field {
    /// Reads the field's `#[timeline(...)]` attributes and checks that they go together.
    pub fn from_ast(cx: &Ctxt, field: &syn::Field) -> Self {
        let mut rename = Attr::none(cx, RENAME);
        let mut skip = Attr::none(cx, SKIP);
        let mut role: Option<Sp<Role>> = None;
        for_each_timeline_key(cx, &field.attrs, |meta| {
            if meta.path == RENAME {
                if let Some(lit) = string_value(cx, &meta, RENAME, "\"petName\"")? {
                    rename.set(lit.span(), lit.value());
                }
            } else if meta.path == SKIP {
                if is_flag(cx, &meta, SKIP)? {
                    skip.set(meta.path.span(), ());
                }
            } else if let Some(found) = Role::from_path(&meta.path) {
                if is_flag(cx, &meta, found.symbol())? {
                    let span = meta.path.span();
                    match &role {
                        Some(first) if first.value == found => {
                            cx.error_at(span, format!("`{}` is given twice; keep only one", found.symbol()))
                        }
                        Some(first) => cx.error_at(
                            span,
                            format!(
                                "a field has at most one role, and this one is already `{}`; \
                                 give `{}` a field of its own",
                                first.value.symbol(),
                                found.symbol()
                            ),
                        ),
                        None => role = Some(Sp { span, value: found }),
                    }
                }
            } else {
                unknown_key(cx, &meta, "a field", FIELD_KEYS)?;
            }
            Ok(())
        });

        let (rename, skip) = (rename.get(), skip.get().map(|skip| skip.span));
        if let (Some(role), Some(skip)) = (&role, skip) {
            cx.error_at(
                skip,
                format!(
                    "`skip` cannot go with `{role}`: a skipped field is not sent, so it cannot be the event's \
                     `{role}`; remove one of them",
                    role = role.value.symbol()
                ),
            );
        }
        if let (Some(role), Some(rename)) = (&role, &rename) {
            cx.error_at(
                rename.span,
                format!(
                    "`rename` names a token, and a `#[timeline({})]` field is not a token; remove `rename`",
                    role.value.symbol()
                ),
            );
        }
        if let (None, Some(_), Some(rename)) = (&role, skip, &rename) {
            cx.error_at(rename.span, "`rename` has no effect on a skipped field; remove `rename` or `skip`");
        }
        Field { rename, skip, role }
    }
}

fn default_crate_path() -> syn::Path {
    syn::parse_quote!(::hubspot_timeline)
}

/// Runs `each` on every key of every `#[timeline(...)]` among `attrs`,
/// recording syntax errors (after which the rest of that attribute is skipped).
fn for_each_timeline_key(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    mut each: impl FnMut(ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|attr| attr.path() == TIMELINE) {
        if let Err(err) = attr.parse_nested_meta(&mut each) {
            cx.syn_error(err);
        }
    }
}

/// The string literal after `key =`, or `None` (with an error recorded)
/// when something else is there.
fn string_value(cx: &Ctxt, meta: &ParseNestedMeta, key: Symbol, example: &str) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(&meta.path, format!("`{key}` needs a value: write `{key} = {example}`"));
        skip_value(meta)?;
        return Ok(None);
    }
    let value = meta.value()?;
    if value.peek(LitStr) {
        return Ok(Some(value.parse()?));
    }
    let found: syn::Expr = value.parse()?;
    cx.error_spanned_by(found, format!("`{key}` takes a string literal: write `{key} = {example}`"));
    Ok(None)
}

/// Whether the key is a bare flag; a value after it is recorded as an error.
fn is_flag(cx: &Ctxt, meta: &ParseNestedMeta, key: Symbol) -> syn::Result<bool> {
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        return Ok(true);
    }
    cx.error_spanned_by(&meta.path, format!("`{key}` is a flag and takes no value: write `#[timeline({key})]`"));
    skip_value(meta)?;
    Ok(false)
}

fn rename_rule(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<RenameRule>> {
    let Some(lit) = string_value(cx, meta, RENAME_ALL, "\"camelCase\"")? else {
        return Ok(None);
    };
    match RenameRule::from_str(&lit.value()) {
        Ok(rule) => Ok(Some(rule)),
        Err(unknown) => {
            cx.error_spanned_by(&lit, unknown);
            Ok(None)
        }
    }
}

fn crate_path(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<syn::Path>> {
    let Some(lit) = string_value(cx, meta, CRATE, "\"::hubspot_timeline\"")? else {
        return Ok(None);
    };
    match lit.parse::<syn::Path>() {
        Ok(path) => Ok(Some(path)),
        Err(_) => {
            cx.error_spanned_by(
                &lit,
                format!(
                    "`crate` takes the path of the hubspot-timeline crate, e.g. `crate = \"::hubspot_timeline\"`, \
                     but {:?} is not a path",
                    lit.value()
                ),
            );
            Ok(None)
        }
    }
}

/// Records an unknown key, listing the valid ones, and skips its value.
fn unknown_key(cx: &Ctxt, meta: &ParseNestedMeta, place: &str, valid: &[Symbol]) -> syn::Result<()> {
    let key = meta.path.to_token_stream().to_string().replace(' ', "");
    let valid: Vec<String> = valid.iter().map(|key| format!("`{key}`")).collect();
    cx.error_spanned_by(
        &meta.path,
        format!("unknown `timeline` attribute `{key}` on {place}; expected one of: {}", valid.join(", ")),
    );
    skip_value(meta)
}

/// Consumes whatever follows a key: `= expr`, `(...)`, or nothing.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}
