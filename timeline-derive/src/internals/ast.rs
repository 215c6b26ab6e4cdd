//! The input of `#[derive(TimelineEvent)]` as the derive sees it: a struct
//! with named fields, each a token, a role or skipped.

use proc_macro2::Span;
use quote::quote;
use syn::ext::IdentExt;

use super::attr::{self, Role, Sp};
use super::ctxt::Ctxt;

/// A `#[derive(TimelineEvent)]` struct.
pub struct Container<'a> {
    /// The struct's name.
    pub ident: &'a syn::Ident,
    /// Its `#[timeline(...)]` settings.
    pub attrs: &'a attr::Container,
    /// Its fields, in declaration order.
    pub fields: Vec<Field<'a>>,
    /// Its generics, as written.
    pub generics: &'a syn::Generics,
}

/// One field of the struct.
pub struct Field<'a> {
    /// The field's name, as written (raw identifiers keep their `r#`).
    pub member: &'a syn::Ident,
    /// The field's type.
    pub ty: &'a syn::Type,
    /// What the field is to the event.
    pub kind: FieldKind,
}

/// What a field is to the event.
pub enum FieldKind {
    /// A token, sent under this name.
    Token(TokenName),
    /// A role field (`email`, `timestamp`, …).
    Role(Sp<Role>),
    /// `#[timeline(skip)]`: not sent.
    Skipped,
}

/// A token's name and where it comes from.
pub struct TokenName {
    /// The name HubSpot receives.
    pub name: String,
    /// The `rename` literal, or the field's name when not renamed.
    pub span: Span,
    /// Whether it was given with `rename`.
    pub renamed: bool,
}

impl<'a> Container<'a> {
    /// The struct behind `item`, or `None` (with an error recorded) when
    /// `item` is not a struct with named fields.
    pub fn from_ast(cx: &Ctxt, item: &'a syn::DeriveInput, attrs: &'a attr::Container) -> Option<Self> {
        let ident = &item.ident;
        let named = match &item.data {
            syn::Data::Struct(data) => match &data.fields {
                syn::Fields::Named(named) => named,
                syn::Fields::Unnamed(unnamed) => {
                    cx.error_spanned_by(
                        unnamed,
                        format!(
                            "#[derive(TimelineEvent)] needs named fields, because each field's name is the name \
                             of its token; write `struct {ident} {{ … }}` with named fields"
                        ),
                    );
                    return None;
                }
                syn::Fields::Unit => {
                    cx.error_spanned_by(
                        ident,
                        format!(
                            "#[derive(TimelineEvent)] needs a struct with named fields, and `{ident}` has no fields; \
                             an event needs at least a field that names its record, such as \
                             `#[timeline(email)] email: String`"
                        ),
                    );
                    return None;
                }
            },
            syn::Data::Enum(data) => {
                let enum_token = data.enum_token;
                cx.error_spanned_by(
                    quote!(#enum_token #ident),
                    "#[derive(TimelineEvent)] works on structs with named fields, not on enums; \
                     if this enum lists the options of an enumeration token, use #[derive(TimelineToken)]",
                );
                return None;
            }
            syn::Data::Union(data) => {
                let union_token = data.union_token;
                cx.error_spanned_by(
                    quote!(#union_token #ident),
                    "#[derive(TimelineEvent)] works on structs with named fields, not on unions",
                );
                return None;
            }
        };
        let fields = named.named.iter().filter_map(|field| Field::from_ast(cx, field, attrs)).collect();
        Some(Container { ident, attrs, fields, generics: &item.generics })
    }

    /// The fields that are tokens, with their names.
    pub fn tokens(&self) -> impl Iterator<Item = (&Field<'a>, &TokenName)> {
        self.fields.iter().filter_map(|field| match &field.kind {
            FieldKind::Token(name) => Some((field, name)),
            _ => None,
        })
    }

    /// The fields that have a role, with the role.
    pub fn roles(&self) -> impl Iterator<Item = (&Field<'a>, &Sp<Role>)> {
        self.fields.iter().filter_map(|field| match &field.kind {
            FieldKind::Role(role) => Some((field, role)),
            _ => None,
        })
    }

    /// The first field with `role`.
    pub fn field_with(&self, role: Role) -> Option<&Field<'a>> {
        self.roles().find(|(_, found)| found.value == role).map(|(field, _)| field)
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field, container: &attr::Container) -> Option<Self> {
        let member = field.ident.as_ref()?;
        let attrs = attr::Field::from_ast(cx, field);
        let kind = if let Some(role) = attrs.role {
            FieldKind::Role(role)
        } else if attrs.skip.is_some() {
            FieldKind::Skipped
        } else if let Some(rename) = attrs.rename {
            FieldKind::Token(TokenName { name: rename.value, span: rename.span, renamed: true })
        } else {
            let name = container.rename_all.apply_to_field(&member.unraw().to_string());
            FieldKind::Token(TokenName { name, span: member.span(), renamed: false })
        };
        Some(Field { member, ty: &field.ty, kind })
    }
}
