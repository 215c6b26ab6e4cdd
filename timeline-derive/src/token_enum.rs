//! `#[derive(TimelineToken)]`: an enum of unit variants as the options of an
//! enumeration token, or a single-field struct as a newtype of its field.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::attr;
use crate::internals::ctxt::Ctxt;
use crate::{dummy, newtype};

/// One variant and the option value it sends.
struct OptionValue<'a> {
    variant: &'a syn::Ident,
    value: String,
}

/// Expands `#[derive(TimelineToken)]` on `input`: the impls, or every error
/// found together with stub impls.
pub fn derive_timeline_token(input: &syn::DeriveInput) -> TokenStream {
    let variants = match &input.data {
        syn::Data::Struct(data) => return newtype::derive_newtype_token(input, data),
        syn::Data::Enum(data) => Some(data),
        syn::Data::Union(_) => None,
    };
    let cx = Ctxt::new();
    let attrs = attr::TokenEnum::from_ast(&cx, input);
    let options = match variants {
        Some(data) => option_values(&cx, input, data, &attrs),
        None => {
            union_error(&cx, input);
            None
        }
    };
    match (cx.check(), options) {
        (Ok(()), Some(options)) => dummy::wrap_in_const(impl_timeline_token(input, &attrs.krate, &options)),
        (result, _) => {
            let errors = result.err().map(syn::Error::into_compile_error);
            let stub = dummy::wrap_in_const(dummy::timeline_token_stub(input, &attrs.krate));
            quote!(#errors #stub)
        }
    }
}

/// Records that a union cannot derive `TimelineToken`.
fn union_error(cx: &Ctxt, input: &syn::DeriveInput) {
    let ident = &input.ident;
    if let syn::Data::Union(data) = &input.data {
        let union_token = data.union_token;
        cx.error_spanned_by(
            quote!(#union_token #ident),
            "#[derive(TimelineToken)] works on enums whose unit variants are the options of an enumeration \
             token and on single-field structs, not on unions",
        );
    }
}

/// The option value of every variant, or `None` (with an error recorded)
/// when `data` is not an enum of unit variants.
fn option_values<'a>(
    cx: &Ctxt,
    input: &syn::DeriveInput,
    data: &'a syn::DataEnum,
    attrs: &attr::TokenEnum,
) -> Option<Vec<OptionValue<'a>>> {
    let ident = &input.ident;
    if data.variants.is_empty() {
        cx.error_spanned_by(
            ident,
            format!(
                "`{ident}` has no variants, but an enumeration token needs at least one option; \
                 add a unit variant for each option"
            ),
        );
        return None;
    }

    let mut options = Vec::with_capacity(data.variants.len());
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for variant in &data.variants {
        let variant_attrs = attr::Variant::from_ast(cx, variant);
        if !matches!(variant.fields, syn::Fields::Unit) {
            let name = &variant.ident;
            cx.error_spanned_by(
                &variant.fields,
                format!(
                    "variant `{name}` carries data, but an option of an enumeration token is a plain value; \
                     make it a unit variant: `{name},`"
                ),
            );
            continue;
        }
        let (value, span) = match variant_attrs.rename {
            Some(rename) => (rename.value, rename.span),
            None => (attrs.rename_all.apply_to_variant(&variant.ident.to_string()), variant.ident.span()),
        };
        if let Some(problem) = value_problem(&value, &seen) {
            cx.error_at(span, problem);
            continue;
        }
        seen.insert(value.clone(), &variant.ident);
        options.push(OptionValue { variant: &variant.ident, value });
    }
    Some(options)
}

/// Why `value` cannot be the next option, if it cannot.
fn value_problem(value: &str, seen: &HashMap<String, &syn::Ident>) -> Option<String> {
    if value.is_empty() {
        return Some("option value is empty; give the option its value, e.g. `#[timeline(rename = \"gold\")]`".into());
    }
    seen.get(value).map(|first| {
        format!(
            "duplicate option value {value:?}: variant `{first}` already has it; \
             give each variant its own value with `#[timeline(rename = \"…\")]`"
        )
    })
}

fn impl_timeline_token(input: &syn::DeriveInput, krate: &syn::Path, options: &[OptionValue]) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let values = options.iter().map(|option| &option.value);
    let arms = options.iter().map(|option| {
        let (variant, value) = (option.variant, &option.value);
        quote!(Self::#variant => #value,)
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #p::TokenValue for #ident #ty_generics #where_clause {
            const KIND: #p::TokenKind = #p::TokenKind::Enumeration;
            const OPTIONS: &'static [&'static str] = <Self as #p::TimelineToken>::VALUES;
            fn token_text(&self) -> #p::TokenText<'_> {
                #p::TokenText::Text(#p::Cow::Borrowed(<Self as #p::TimelineToken>::value(self)))
            }
        }

        #[automatically_derived]
        impl #impl_generics #p::TimelineToken for #ident #ty_generics #where_clause {
            const VALUES: &'static [&'static str] = &[#(#values),*];
            fn value(&self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}
