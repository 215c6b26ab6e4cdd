//! Rules across the fields of a `#[derive(TimelineEvent)]` struct, checked
//! once every field has been read.

use std::collections::HashMap;

use super::ast::Container;
use super::attr::Role;
use super::ctxt::Ctxt;
use super::name::{self, NameProblem};

/// Records every broken rule of `cont`.
pub fn check(cx: &Ctxt, cont: &Container) {
    check_token_names(cx, cont);
    check_token_count(cx, cont);
    check_roles(cx, cont);
}

/// Each token name is valid, not reserved, and used by one field only.
fn check_token_names(cx: &Ctxt, cont: &Container) {
    let mut seen: HashMap<&str, &syn::Ident> = HashMap::new();
    for (field, token) in cont.tokens() {
        let fix = if token.renamed {
            "choose another name in `rename = \"…\"`".to_owned()
        } else {
            format!("give the token another name with `#[timeline(rename = \"…\")]` on `{}`", field.member)
        };
        match name::check_token_name(&token.name) {
            Ok(()) => {}
            Err(NameProblem::Empty) => {
                cx.error_at(token.span, "token name is empty; give the token a name such as `rename = \"petName\"`");
                continue;
            }
            Err(NameProblem::BadChar(bad)) => {
                cx.error_at(
                    token.span,
                    format!(
                        "token name `{}` has the character {bad:?}, but token names use only ASCII letters, \
                         digits, `.`, `-` and `_`; {fix}",
                        token.name
                    ),
                );
                continue;
            }
            Err(NameProblem::Reserved) => {
                let role_hint = match name::role_for_reserved(&token.name) {
                    Some(role) => {
                        format!(", or if this field is the event's `{}`, mark it `#[timeline({role})]`", token.name)
                    }
                    None => String::new(),
                };
                cx.error_at(
                    token.span,
                    format!(
                        "`{}` is a reserved name in HubSpot timeline events and cannot be a token; {fix}{role_hint}",
                        token.name
                    ),
                );
                continue;
            }
        }
        if let Some(first) = seen.get(token.name.as_str()) {
            cx.error_at(
                token.span,
                format!(
                    "duplicate token name `{}`: field `{first}` already sends a token of that name; {fix}",
                    token.name
                ),
            );
        } else {
            seen.insert(&token.name, field.member);
        }
    }
}

/// At most [`name::MAX_TOKENS`] tokens.
fn check_token_count(cx: &Ctxt, cont: &Container) {
    let count = cont.tokens().count();
    if count > name::MAX_TOKENS {
        cx.error_spanned_by(
            cont.ident,
            format!(
                "`{}` has {count} tokens, but HubSpot allows at most {} per event template; \
                 mark the fields that are not tokens `#[timeline(skip)]`",
                cont.ident,
                name::MAX_TOKENS
            ),
        );
    }
}

/// Each role at most once, at least one target, and `domain` only with `utk`.
fn check_roles(cx: &Ctxt, cont: &Container) {
    let mut first_with: HashMap<Role, &syn::Ident> = HashMap::new();
    for (field, role) in cont.roles() {
        if let Some(first) = first_with.get(&role.value) {
            cx.error_at(
                role.span,
                format!(
                    "only one field can be `#[timeline({role})]`, and `{first}` already is; \
                     remove `{role}` from `{}` or from `{first}`",
                    field.member,
                    role = role.value.symbol()
                ),
            );
        } else {
            first_with.insert(role.value, field.member);
        }
    }
    if !first_with.keys().any(|role| role.is_target()) {
        cx.error_spanned_by(
            cont.ident,
            format!(
                "`{}` names no record for the event to belong to: mark one field `#[timeline(object_id)]` \
                 (a CRM record id), `#[timeline(email)]` or `#[timeline(utk)]` (a contact)",
                cont.ident
            ),
        );
    }
    if let (Some((_, domain)), None) =
        (cont.roles().find(|(_, role)| role.value == Role::Domain), first_with.get(&Role::Utk))
    {
        cx.error_at(
            domain.span,
            "`domain` goes with `utk`: HubSpot reads the domain only for an event sent by utk; \
             mark the utk field `#[timeline(utk)]`, or remove `domain`",
        );
    }
}
