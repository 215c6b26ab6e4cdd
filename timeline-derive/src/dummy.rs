//! The wrapper every generated impl goes in, and the stub impls emitted
//! next to errors so that a mistake in the attributes is the only error
//! the user sees, with no cascade of "trait not implemented".

use proc_macro2::TokenStream;
use quote::quote;

/// Wraps generated items in `#[doc(hidden)] const _: () = { … };`, with the
/// lints that generated code must not trigger in users' crates allowed.
pub fn wrap_in_const(code: TokenStream) -> TokenStream {
    quote! {
        #[doc(hidden)]
        #[allow(
            non_upper_case_globals,
            unused_attributes,
            unused_qualifications,
            clippy::absolute_paths,
            clippy::used_underscore_binding,
        )]
        const _: () = {
            #code
        };
    }
}

/// A `TimelineEvent` impl with no behaviour, for an input that has errors.
pub fn timeline_event_stub(input: &syn::DeriveInput, krate: &syn::Path) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::__private::TimelineEvent for #ident #ty_generics #where_clause {
            const EVENT_TYPE: &'static str = "";
            const TOKENS: &'static [#krate::__private::TokenSpec] = &[];
            fn target(&self) -> #krate::__private::Target<'_> {
                ::core::unreachable!()
            }
            fn write_tokens(
                &self,
                _: &mut #krate::__private::TokenWriter<'_>,
            ) -> ::core::result::Result<(), #krate::__private::EncodeError> {
                ::core::unreachable!()
            }
        }
    }
}

/// `TokenValue` and `TimelineToken` impls with no behaviour, for an input
/// that has errors.
pub fn timeline_token_stub(input: &syn::DeriveInput, krate: &syn::Path) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::__private::TokenValue for #ident #ty_generics #where_clause {
            const KIND: #krate::__private::TokenKind = #krate::__private::TokenKind::Enumeration;
            fn token_text(&self) -> #krate::__private::TokenText<'_> {
                ::core::unreachable!()
            }
        }
        #[automatically_derived]
        impl #impl_generics #krate::__private::TimelineToken for #ident #ty_generics #where_clause {
            const VALUES: &'static [&'static str] = &[];
            fn value(&self) -> &'static str {
                ::core::unreachable!()
            }
        }
    }
}
