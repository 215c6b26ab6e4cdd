//! Where-clause predicates inferred from the fields, as serde's `bound.rs`
//! does: a field whose type mentions a type parameter adds
//! `FieldTy: Trait` for the trait its use needs, so `struct Signup<P>` with
//! a token `plan: P` gets `P: TokenValue` without the user writing it.

use std::collections::HashSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::ast::{Container, FieldKind};
use crate::internals::attr::Role;

/// The trait a field of this kind must implement, under `__private`.
pub fn field_trait(kind: &FieldKind) -> Option<syn::Ident> {
    let name = match kind {
        FieldKind::Token(_) => "TokenValue",
        FieldKind::Role(role) => role_trait(role.value),
        FieldKind::Skipped => return None,
    };
    Some(syn::Ident::new(name, proc_macro2::Span::call_site()))
}

/// The trait a field with `role` must implement, under `__private`.
pub fn role_trait(role: Role) -> &'static str {
    match role {
        Role::ObjectId => "ObjectIdField",
        Role::Email => "EmailField",
        Role::Utk => "UtkField",
        Role::Domain => "DomainField",
        Role::Id => "EventIdField",
        Role::Timestamp => "TimestampField",
        Role::ExtraData => "Serialize",
        Role::Iframe => "IframeField",
        Role::ObjectType => "ObjectTypeField",
    }
}

/// The struct's generics plus a predicate for each field whose type uses a
/// type parameter.
pub fn with_inferred_bounds(cont: &Container) -> syn::Generics {
    let params: HashSet<&syn::Ident> = cont.generics.type_params().map(|param| &param.ident).collect();
    let mut generics = cont.generics.clone();
    if params.is_empty() {
        return generics;
    }
    let krate = &cont.attrs.krate;
    let predicates: Vec<syn::WherePredicate> = cont
        .fields
        .iter()
        .filter(|field| mentions_any(field.ty.to_token_stream(), &params))
        .filter_map(|field| {
            let ty = field.ty;
            let bound = field_trait(&field.kind)?;
            let predicate = quote_spanned!(ty.span()=> #ty: #krate::__private::#bound);
            Some(syn::parse_quote!(#predicate))
        })
        .collect();
    generics.make_where_clause().predicates.extend(predicates);
    generics
}

/// Whether any identifier in `tokens` is one of `params`.
pub fn mentions_any(tokens: TokenStream, params: &HashSet<&syn::Ident>) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => params.contains(&ident),
        TokenTree::Group(group) => mentions_any(group.stream(), params),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(idents: &[syn::Ident]) -> HashSet<&syn::Ident> {
        idents.iter().collect()
    }

    #[test]
    fn type_parameters_are_found_anywhere_in_a_type() {
        let idents: Vec<syn::Ident> = vec![syn::parse_quote!(P), syn::parse_quote!(Q)];
        let params = params(&idents);
        for ty in [quote::quote!(P), quote::quote!(Option<P>), quote::quote!(&'a [Q]), quote::quote!(Vec<(u8, P)>)] {
            assert!(mentions_any(ty.clone(), &params), "{ty}");
        }
        for ty in [quote::quote!(String), quote::quote!(&'a str), quote::quote!(Option<Plan>), quote::quote!(PP)] {
            assert!(!mentions_any(ty.clone(), &params), "{ty}");
        }
    }
}
