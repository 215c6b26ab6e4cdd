//! `#[derive(TimelineToken)]` on a single-field struct: a newtype that
//! sends its field, like serde's `transparent`.
//!
//! The `TokenValue` impl forwards unconditionally, so a field type that is
//! not a token value fails at the field. The role traits are forwarded only
//! when the field's type has them: each impl's bound is written
//! `for<'__timeline> Field: Role`, a bound the compiler checks where the
//! newtype is used as that role rather than at the impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::dummy;
use crate::internals::attr;
use crate::internals::ctxt::Ctxt;

/// Expands `#[derive(TimelineToken)]` on the struct `input`: the forwarding
/// impls, or every error found together with stub impls.
pub fn derive_newtype_token(input: &syn::DeriveInput, data: &syn::DataStruct) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = attr::TokenEnum::from_ast(&cx, input);
    if let Some(span) = attrs.rename_all_span {
        cx.error_at(
            span,
            "`rename_all` names the options of an enumeration enum; a newtype sends its field's value as it is",
        );
    }
    let field = single_field(&cx, input, data);
    match (cx.check(), field) {
        (Ok(()), Some(field)) => dummy::wrap_in_const(impl_newtype(input, &attrs.krate, field)),
        (result, _) => {
            let errors = result.err().map(syn::Error::into_compile_error);
            let stub = dummy::wrap_in_const(dummy::timeline_token_stub(input, &attrs.krate));
            quote!(#errors #stub)
        }
    }
}

/// The struct's one field, or `None` (with an error recorded) when it has
/// none or several.
fn single_field<'a>(cx: &Ctxt, input: &syn::DeriveInput, data: &'a syn::DataStruct) -> Option<&'a syn::Field> {
    let ident = &input.ident;
    let mut fields = data.fields.iter();
    match (fields.next(), fields.next()) {
        (Some(field), None) => Some(field),
        (None, _) => {
            let struct_token = data.struct_token;
            cx.error_spanned_by(
                quote!(#struct_token #ident),
                format!(
                    "`{ident}` has no field, but #[derive(TimelineToken)] on a struct makes a newtype that sends \
                     its one field; give it one, e.g. `struct {ident}(String);`, or use an enum for the options \
                     of an enumeration token"
                ),
            );
            None
        }
        (Some(_), Some(second)) => {
            cx.error_spanned_by(
                second,
                format!(
                    "`{ident}` has more than one field, but #[derive(TimelineToken)] on a struct makes a newtype \
                     that sends its one field; keep a single field, or make `{ident}` an event with \
                     #[derive(TimelineEvent)]"
                ),
            );
            None
        }
    }
}

/// One role trait, its method and the method's return type.
struct Role {
    name: &'static str,
    method: &'static str,
    output: TokenStream,
}

fn roles(p: &TokenStream) -> [Role; 7] {
    let id_text = quote!(::core::option::Option<#p::IdText<'_>>);
    let text = quote!(::core::option::Option<#p::Cow<'_, str>>);
    let instant = quote!(::core::option::Option<#p::DateTime<#p::Utc>>);
    [
        Role { name: "ObjectIdField", method: "object_id", output: id_text.clone() },
        Role { name: "EventIdField", method: "event_id", output: id_text },
        Role { name: "EmailField", method: "email", output: text.clone() },
        Role { name: "UtkField", method: "utk", output: text.clone() },
        Role { name: "DomainField", method: "domain", output: text.clone() },
        Role { name: "ObjectTypeField", method: "object_type", output: text },
        Role { name: "TimestampField", method: "timestamp", output: instant },
    ]
}

fn impl_newtype(input: &syn::DeriveInput, krate: &syn::Path, field: &syn::Field) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = &input.ident;
    let field_ty = &field.ty;
    let access = match &field.ident {
        Some(name) => quote!(self.#name),
        None => quote!(self.0),
    };
    let (impl_generics, ty_generics, _) = input.generics.split_for_impl();
    let predicates = input.generics.where_clause.as_ref().map(|clause| &clause.predicates);
    let predicates = quote!(#predicates);
    let generic = input.generics.type_params().next().is_some();
    let token_bound = generic.then(|| quote!(#field_ty: #p::TokenValue,));
    let as_token = quote_spanned!(field_ty.span()=> <#field_ty as #p::TokenValue>);

    let role_impls = roles(&p).into_iter().map(|role| {
        let trait_ident = syn::Ident::new(role.name, field_ty.span());
        let method = syn::Ident::new(role.method, field_ty.span());
        let output = role.output;
        quote! {
            #[automatically_derived]
            impl #impl_generics #p::#trait_ident for #ident #ty_generics
            where
                for<'__timeline> #field_ty: #p::#trait_ident,
                #predicates
            {
                fn #method(&self) -> #output {
                    #p::#trait_ident::#method(&#access)
                }
            }
        }
    });

    quote! {
        #[automatically_derived]
        impl #impl_generics #p::TokenValue for #ident #ty_generics
        where
            #token_bound
            #predicates
        {
            const KIND: #p::TokenKind = #as_token::KIND;
            const OPTIONS: &'static [&'static str] = #as_token::OPTIONS;
            fn token_text(&self) -> #p::TokenText<'_> {
                #as_token::token_text(&#access)
            }
        }

        #[automatically_derived]
        impl #impl_generics #p::TimelineToken for #ident #ty_generics
        where
            for<'__timeline> #field_ty: #p::TimelineToken,
            #predicates
        {
            const VALUES: &'static [&'static str] = <#field_ty as #p::TimelineToken>::VALUES;
            fn value(&self) -> &'static str {
                #p::TimelineToken::value(&#access)
            }
        }

        #(#role_impls)*
    }
}
