//! `#[derive(TimelineEvent)]`: from a checked struct to its `TimelineEvent` impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::bound;
use crate::dummy;
use crate::internals::ast::{Container, Field};
use crate::internals::attr::{self, Role};
use crate::internals::check;
use crate::internals::ctxt::Ctxt;

/// Expands `#[derive(TimelineEvent)]` on `input`: the impl, or every error
/// found together with a stub impl so that no follow-on errors appear.
///
/// The steps are: read the attributes, read the struct, check the rules
/// across fields, and only then generate code. Checks against a template
/// definition file (`template = "…"`) will be one more step after `check`.
pub fn derive_timeline_event(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = attr::Container::from_ast(&cx, input);
    let cont = Container::from_ast(&cx, input, &attrs);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    match (cx.check(), cont, &attrs.template_id) {
        (Ok(()), Some(cont), Some(template_id)) => dummy::wrap_in_const(impl_timeline_event(&cont, &template_id.value)),
        (result, _, _) => {
            let errors = result.err().map(syn::Error::into_compile_error);
            let stub = dummy::wrap_in_const(dummy::timeline_event_stub(input, &attrs.krate));
            quote!(#errors #stub)
        }
    }
}

fn impl_timeline_event(cont: &Container, template_id: &str) -> TokenStream {
    let krate = &cont.attrs.krate;
    let p = quote!(#krate::__private);
    let ident = cont.ident;
    let generics = bound::with_inferred_bounds(cont);
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let (_, ty_generics, _) = cont.generics.split_for_impl();

    let specs = cont.tokens().map(|(field, token)| {
        let name = &token.name;
        let kind = checked_call(field, &p, "TokenValue", quote!(KIND));
        quote!(#p::TokenSpec { name: #name, kind: #kind })
    });
    let writes = cont.tokens().map(|(field, token)| {
        let name = &token.name;
        let member = field.member;
        let text = checked_call(field, &p, "TokenValue", quote!(token_text));
        quote!(#p::TokenWriter::token(__tokens, #name, &#p::PreparedToken(#text(&self.#member)))?;)
    });

    let target_part = |role: Role, method: &str| role_value(cont, role, &p, method);
    let object_id = target_part(Role::ObjectId, "object_id");
    let email = target_part(Role::Email, "email");
    let utk = target_part(Role::Utk, "utk");
    let domain = target_part(Role::Domain, "domain");
    let event_id = role_value(cont, Role::Id, &p, "event_id");
    let timestamp = role_value(cont, Role::Timestamp, &p, "timestamp");
    let iframe = role_value(cont, Role::Iframe, &p, "iframe");
    let extra_data = match cont.field_with(Role::ExtraData) {
        Some(field) => {
            let (member, ty) = (field.member, field.ty);
            let visit = quote_spanned!(ty.span()=> visit::<#ty>);
            quote!(<__V as #p::ExtraDataVisitor>::#visit(__visitor, &self.#member))
        }
        None => quote!(<__V as #p::ExtraDataVisitor>::none(__visitor)),
    };

    quote! {
        #[automatically_derived]
        impl #impl_generics #p::TimelineEvent for #ident #ty_generics #where_clause {
            const TEMPLATE_ID: &'static str = #template_id;
            const TOKENS: &'static [#p::TokenSpec] = &[#(#specs),*];

            fn target(&self) -> #p::Target<'_> {
                #p::Target { object_id: #object_id, email: #email, utk: #utk, domain: #domain }
            }

            fn event_id(&self) -> ::core::option::Option<#p::Cow<'_, str>> {
                #event_id
            }

            fn timestamp(&self) -> ::core::option::Option<#p::DateTime<#p::Utc>> {
                #timestamp
            }

            fn extra_data<__V: #p::ExtraDataVisitor>(&self, __visitor: __V) -> <__V as #p::ExtraDataVisitor>::Output {
                #extra_data
            }

            fn timeline_iframe(&self) -> ::core::option::Option<&#p::TimelineEventIFrame> {
                #iframe
            }

            fn write_tokens(
                &self,
                __tokens: &mut #p::TokenWriter<'_>,
            ) -> ::core::result::Result<(), #p::EncodeError> {
                #(#writes)*
                ::core::result::Result::Ok(())
            }
        }
    }
}

/// `<FieldTy as Trait>::method(&self.field)` for the field with `role`, or
/// `None` when no field has it.
fn role_value(cont: &Container, role: Role, p: &TokenStream, method: &str) -> TokenStream {
    let Some(field) = cont.field_with(role) else {
        return quote!(::core::option::Option::None);
    };
    let method = syn::Ident::new(method, proc_macro2::Span::call_site());
    let member = field.member;
    let call = checked_call(field, p, bound::role_trait(role), quote!(#method));
    quote!(#call(&self.#member))
}

/// `<FieldTy as __private::Trait>::item`, spanned at the field's type so
/// that an unimplemented trait is reported there, with the trait's
/// `on_unimplemented` message.
fn checked_call(field: &Field, p: &TokenStream, trait_name: &str, item: TokenStream) -> TokenStream {
    let ty = field.ty;
    let trait_ident = syn::Ident::new(trait_name, ty.span());
    quote_spanned!(ty.span()=> <#ty as #p::#trait_ident>::#item)
}
