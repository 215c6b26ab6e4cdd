//! The code a template definition file adds to a derived impl: the file and
//! `TIMELINE_TEMPLATE_DIR` as tracked inputs, and one `const` per token
//! field that checks the field's type against the token's type.

use std::collections::HashSet;

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::bound;
use crate::env;
use crate::internals::ast::Container;
use crate::template::Template;

/// `include_bytes!` of the file's canonical path and `option_env!` of
/// `TIMELINE_TEMPLATE_DIR`: cargo then rebuilds the crate when either
/// changes, which re-runs the derive.
pub fn tracked_inputs(template: &Template) -> TokenStream {
    let path = template.path.to_string_lossy();
    let path = path.as_ref();
    let template_dir = env::TEMPLATE_DIR;
    quote! {
        const _: &[u8] = ::core::include_bytes!(#path);
        const _: ::core::option::Option<&str> = ::core::option_env!(#template_dir);
    }
}

/// The checks of each token field against its template token.
pub struct FieldChecks {
    /// `const _` items, for fields whose types use no type parameter;
    /// evaluated whenever the crate is checked.
    pub items: TokenStream,
    /// Inline `const { … }` statements for fields whose types use a type
    /// parameter; evaluated when the impl is used with concrete types.
    pub statements: TokenStream,
}

/// The checks of every token field that names a token of `template`.
pub fn field_checks(cont: &Container, template: &Template, p: &TokenStream) -> FieldChecks {
    let generics = cont.generics;
    let type_params: HashSet<&Ident> = generics
        .type_params()
        .map(|param| &param.ident)
        .chain(generics.const_params().map(|param| &param.ident))
        .collect();
    let lifetimes: HashSet<&Ident> = generics.lifetimes().map(|param| &param.lifetime.ident).collect();
    let mut checks = FieldChecks { items: TokenStream::new(), statements: TokenStream::new() };
    for (field, token) in cont.tokens() {
        let Some(declared) = template.definition.tokens.iter().find(|declared| declared.name == token.name) else {
            continue;
        };
        let span = field.ty.span();
        let (name, file) = (&token.name, &template.written);
        let options = declared.options.iter().map(|option| &option.value);
        let kind = Ident::new(declared.kind.variant(), span);
        let declared = quote_spanned! {span=>
            #p::TemplateToken { name: #name, kind: #p::TokenKind::#kind, options: &[#(#options),*], file: #file }
        };
        if bound::mentions_any(field.ty.to_token_stream(), &type_params) {
            let check = check_expr(field.ty.to_token_stream(), &declared, p, span);
            checks.statements.extend(quote_spanned!(span=> const { #check };));
        } else {
            let ty = with_static_lifetimes(field.ty.to_token_stream(), &lifetimes);
            let check = check_expr(ty, &declared, p, span);
            checks.items.extend(quote_spanned!(span=> const _: () = #check;));
        }
    }
    checks
}

/// Panics, and so fails the build, with the message of `token_mismatch`.
///
/// rustc reports a const panic at the `panic!` call; its first token has the
/// span of the type's first token and its parentheses the span of the
/// type's last, so that the report underlines the whole type.
fn check_expr(ty: TokenStream, declared: &TokenStream, p: &TokenStream, span: Span) -> TokenStream {
    let last = ty.clone().into_iter().last().map_or(span, |tree| tree.span());
    let mut arguments = Group::new(Delimiter::Parenthesis, quote_spanned!(span=> "{}", __message.as_str()));
    arguments.set_span(last);
    quote_spanned! {span=>
        if let ::core::option::Option::Some(__message) = #p::token_mismatch(
            &#declared,
            <#ty as #p::TokenValue>::KIND,
            <#ty as #p::TokenValue>::OPTIONS,
        ) {
            ::core::panic! #arguments
        }
    }
}

/// `tokens` with each of the struct's `lifetimes` replaced by `'static`, so
/// that the type can be named in an item outside the impl.
fn with_static_lifetimes(tokens: TokenStream, lifetimes: &HashSet<&Ident>) -> TokenStream {
    let mut out = TokenStream::new();
    let mut after_quote = false;
    for tree in tokens {
        let tree = match tree {
            TokenTree::Ident(ident) if after_quote && lifetimes.contains(&ident) => {
                TokenTree::Ident(Ident::new("static", ident.span()))
            }
            TokenTree::Group(group) => {
                let mut replaced = Group::new(group.delimiter(), with_static_lifetimes(group.stream(), lifetimes));
                replaced.set_span(group.span());
                TokenTree::Group(replaced)
            }
            other => other,
        };
        after_quote = matches!(&tree, TokenTree::Punct(punct) if is_lifetime_quote(punct));
        out.extend([tree]);
    }
    out
}

fn is_lifetime_quote(punct: &Punct) -> bool {
    punct.as_char() == '\'' && punct.spacing() == Spacing::Joint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_lifetimes_become_static_and_others_stay() {
        let a: Ident = syn::parse_quote!(a);
        let lifetimes: HashSet<&Ident> = [&a].into_iter().collect();
        let ty: syn::Type = syn::parse_quote!(&'a Option<Cow<'a, str>>);
        let replaced = with_static_lifetimes(ty.to_token_stream(), &lifetimes).to_string();
        assert_eq!(replaced, "& 'static Option < Cow < 'static , str > >");
        let ty: syn::Type = syn::parse_quote!(&'b a::A);
        assert_eq!(with_static_lifetimes(ty.to_token_stream(), &lifetimes).to_string(), "& 'b a :: A");
    }
}
