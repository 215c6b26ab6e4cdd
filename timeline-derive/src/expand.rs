//! `#[derive(TimelineEvent)]`: from a checked struct to its `TimelineEvent` impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

mod template_checks;

use crate::bound;
use crate::dummy;
use crate::internals::ast::{Container, Field};
use crate::internals::attr::{self, Role};
use crate::internals::check;
use crate::internals::ctxt::Ctxt;
use crate::internals::event_type::{self, Api, EventType, ObjectType};
use crate::internals::template_check;
use crate::template::{self, Template};

/// Expands `#[derive(TimelineEvent)]` on `input`: the impl, or every error
/// found together with a stub impl so that no follow-on errors appear (and,
/// with a template, the type checks of the fields, which need rustc).
///
/// The steps are: read the attributes, read the struct and the template
/// definition file if there is one, check the rules across fields and
/// against the template, and only then generate code.
pub fn derive_timeline_event(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = attr::Container::from_ast(&cx, input);
    let cont = Container::from_ast(&cx, input, &attrs);
    let template = attrs.template.as_ref().and_then(|literal| load_template(&cx, literal));
    let event_type = event_type::resolve(&cx, &attrs, cont.as_ref(), template.as_ref());
    if let Some(cont) = &cont {
        check::check(&cx, cont);
        if let Some(template) = &template {
            template_check::check(&cx, cont, template);
        }
    }
    match (cx.check(), cont, event_type) {
        (Ok(()), Some(cont), Some(event_type)) => {
            dummy::wrap_in_const(impl_timeline_event(&cont, &event_type, template.as_ref()))
        }
        (result, cont, _) => {
            let errors = result.err().map(syn::Error::into_compile_error);
            let stub = dummy::timeline_event_stub(input, &attrs.krate);
            // The fields' type checks still run, so that a type that does not
            // fit its token is reported in the same build as the errors above.
            let checks = match (&cont, &template) {
                (Some(cont), Some(template)) => {
                    let krate = &attrs.krate;
                    template_checks::field_checks(cont, template, &quote!(#krate::__private)).items
                }
                _ => TokenStream::new(),
            };
            let stub = dummy::wrap_in_const(quote!(#checks #stub));
            quote!(#errors #stub)
        }
    }
}

/// Reads the file of `template = "…"`, or records why it cannot, on the literal.
fn load_template(cx: &Ctxt, literal: &syn::LitStr) -> Option<Template> {
    let written = literal.value();
    match template::load(&written) {
        Ok(template) => Some(template),
        Err(error) => {
            cx.error_spanned_by(literal, error.message(&written));
            None
        }
    }
}

fn impl_timeline_event(cont: &Container, event_type: &EventType, template: Option<&Template>) -> TokenStream {
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
        quote!(#p::TokenWriter::text(__tokens, #name, #text(&self.#member))?;)
    });

    let [object_id, email, utk, domain] =
        [Role::ObjectId, Role::Email, Role::Utk, Role::Domain].map(|role| role_value(cont, role, &p));
    let object_type_name = match &event_type.object_type {
        ObjectType::None => quote!(::core::option::Option::None),
        ObjectType::Field => role_value(cont, Role::ObjectType, &p),
        ObjectType::Fixed(name) => quote!(::core::option::Option::Some(#p::Cow::Borrowed(#name))),
    };
    let template_id = &event_type.name;
    let kind = (event_type.api == Api::AppEvent).then(|| quote!(const KIND: #p::EventKind = #p::EventKind::AppEvent;));
    // The trait's provided methods already answer `None` for a role no field
    // has: only the roles present get a method, which keeps the expansion short.
    let event_id =
        role_method(cont, Role::Id, &p, quote!(fn event_id(&self) -> ::core::option::Option<#p::IdText<'_>>));
    let timestamp = role_method(
        cont,
        Role::Timestamp,
        &p,
        quote!(fn timestamp(&self) -> ::core::option::Option<#p::DateTime<#p::Utc>>),
    );
    let iframe = role_method(
        cont,
        Role::Iframe,
        &p,
        quote!(fn timeline_iframe(&self) -> ::core::option::Option<&#p::TimelineEventIFrame>),
    );
    let extra_data = cont.field_with(Role::ExtraData).map(|field| {
        let (member, ty) = (field.member, field.ty);
        let visit = quote_spanned!(ty.span()=> visit::<#ty>);
        quote! {
            fn extra_data<__V: #p::ExtraDataVisitor>(&self, __visitor: __V) -> <__V as #p::ExtraDataVisitor>::Output {
                <__V as #p::ExtraDataVisitor>::#visit(__visitor, &self.#member)
            }
        }
    });

    let object_type = template.map(|template| {
        let object_type = &template.definition.object_type;
        quote!(const OBJECT_TYPE: ::core::option::Option<&'static str> = ::core::option::Option::Some(#object_type);)
    });
    let tracked_inputs = template.map(template_checks::tracked_inputs);
    let (check_items, check_statements) = match template {
        Some(template) => {
            let checks = template_checks::field_checks(cont, template, &p);
            (checks.items, checks.statements)
        }
        None => (TokenStream::new(), TokenStream::new()),
    };

    // `#[inline]` on the methods that are not generic: like serde's generic
    // `serialize`, they are then compiled to machine code only in the crates
    // that call them, not in a crate that only defines events.
    quote! {
        #tracked_inputs
        #check_items

        #[automatically_derived]
        impl #impl_generics #p::TimelineEvent for #ident #ty_generics #where_clause {
            const EVENT_TYPE: &'static str = #template_id;
            #kind
            const TOKENS: &'static [#p::TokenSpec] = &[#(#specs),*];
            #object_type

            #[inline]
            fn target(&self) -> #p::Target<'_> {
                #p::Target { object_id: #object_id, email: #email, utk: #utk, domain: #domain, object_type: #object_type_name }
            }

            #event_id
            #timestamp
            #extra_data
            #iframe

            #[inline]
            fn write_tokens(
                &self,
                __tokens: &mut #p::TokenWriter<'_>,
            ) -> ::core::result::Result<(), #p::EncodeError> {
                #check_statements
                #(#writes)*
                ::core::result::Result::Ok(())
            }
        }
    }
}

/// The method `signature` returning the value of the field with `role`, or
/// nothing when no field has it.
fn role_method(cont: &Container, role: Role, p: &TokenStream, signature: TokenStream) -> Option<TokenStream> {
    cont.field_with(role)?;
    let value = role_value(cont, role, p);
    Some(quote! {
        #[inline]
        #signature {
            #value
        }
    })
}

/// `<FieldTy as RoleTrait>::accessor(&self.field)` for the field with
/// `role`, or `None` when no field has it.
fn role_value(cont: &Container, role: Role, p: &TokenStream) -> TokenStream {
    let Some(field) = cont.field_with(role) else {
        return quote!(::core::option::Option::None);
    };
    let accessor = syn::Ident::new(role_accessor(role), proc_macro2::Span::call_site());
    let member = field.member;
    let call = checked_call(field, p, bound::role_trait(role), quote!(#accessor));
    quote!(#call(&self.#member))
}

/// The method of the role's trait that reads the field's value.
fn role_accessor(role: Role) -> &'static str {
    match role {
        Role::ObjectId => "object_id",
        Role::Email => "email",
        Role::Utk => "utk",
        Role::Domain => "domain",
        Role::Id => "event_id",
        Role::Timestamp => "timestamp",
        Role::Iframe => "iframe",
        Role::ExtraData => "visit",
        Role::ObjectType => "object_type",
    }
}

/// `<FieldTy as __private::Trait>::item`, spanned at the field's type so
/// that an unimplemented trait is reported there, with the trait's
/// `on_unimplemented` message.
fn checked_call(field: &Field, p: &TokenStream, trait_name: &str, item: TokenStream) -> TokenStream {
    let ty = field.ty;
    let trait_ident = syn::Ident::new(trait_name, ty.span());
    quote_spanned!(ty.span()=> <#ty as #p::#trait_ident>::#item)
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenTree;
    use syn::parse_quote;

    use super::derive_timeline_event;

    /// The messages of the `compile_error!` invocations in `output`.
    fn messages(output: proc_macro2::TokenStream) -> Vec<String> {
        let tokens: Vec<TokenTree> = output.into_iter().collect();
        let mut found = Vec::new();
        for (i, tree) in tokens.iter().enumerate() {
            match (tree, tokens.get(i + 2)) {
                (TokenTree::Ident(ident), Some(TokenTree::Group(args))) if ident == "compile_error" => {
                    let message: syn::LitStr = syn::parse2(args.stream()).unwrap();
                    found.push(message.value());
                }
                (TokenTree::Group(group), _) => found.extend(messages(group.stream())),
                _ => {}
            }
        }
        found
    }

    #[test]
    fn every_mistake_is_reported_in_one_expansion_next_to_a_stub() {
        let input: syn::DeriveInput = parse_quote! {
            #[timeline(template_id = "abc", rename_all = "camel", colour = "red")]
            struct Broken {
                #[timeline(rename = "pet name")]
                pet: String,
                #[timeline(email, id)]
                email: String,
                #[timeline(domain)]
                domain: String,
                timestamp: u64,
            }
        };
        let output = derive_timeline_event(&input);
        let messages = messages(output.clone());
        let output = output.to_string();
        let expected = [
            "`template_id` must be the event template's numeric id",
            "unknown rename rule `rename_all = \"camel\"`",
            "unknown `timeline` attribute `colour` on a struct",
            "a field has at most one role, and this one is already `email`",
            "token name `pet name` has the character ' '",
            "`timestamp` is a reserved name",
            "`domain` goes with `utk`",
        ];
        assert_eq!(messages.len(), expected.len(), "{messages:#?}");
        for (message, expected) in messages.iter().zip(expected) {
            assert!(message.starts_with(expected), "{message:?} should start with {expected:?}");
        }
        assert!(output.contains("TimelineEvent for Broken"), "{output}");
        assert!(output.contains("unreachable"), "{output}");
    }

    #[test]
    fn a_correct_struct_expands_without_errors() {
        let input: syn::DeriveInput = parse_quote! {
            #[timeline(template_id = "1001298", rename_all = "camelCase")]
            struct PetAdopted<'a, P> {
                #[timeline(email)]
                owner_email: &'a str,
                pet_name: &'a str,
                plan: P,
            }
        };
        let output = derive_timeline_event(&input);
        assert!(messages(output.clone()).is_empty(), "{output}");
        let output = output.to_string();
        assert!(output.contains("\"petName\""), "{output}");
        assert!(output.contains("P : :: hubspot_timeline :: __private :: TokenValue"), "{output}");
        assert!(!output.contains("& 'a str : :: hubspot_timeline"), "no bound for fields without type parameters");
    }

    #[test]
    fn a_template_file_is_a_tracked_input_by_its_canonical_path() {
        let input: syn::DeriveInput = parse_quote! {
            #[timeline(template = "tests/../tests/fixtures/pet-adopted.json")]
            struct PetNamed {
                #[timeline(email)]
                email: String,
                #[timeline(rename = "petName")]
                name: String,
            }
        };
        let output = derive_timeline_event(&input);
        assert!(messages(output.clone()).is_empty(), "{output}");
        let canonical = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pet-adopted.json")
            .canonicalize()
            .unwrap();
        let canonical = canonical.to_str().unwrap();
        assert!(!canonical.contains(".."));
        let output = output.to_string();
        for expected in [
            quote::quote!(::core::include_bytes!(#canonical)).to_string(),
            quote::quote!(::core::option_env!("TIMELINE_TEMPLATE_DIR")).to_string(),
            "const EVENT_TYPE : & 'static str = \"1001298\"".to_owned(),
            "const OBJECT_TYPE".to_owned(),
            "Some (\"contacts\")".to_owned(),
            "token_mismatch".to_owned(),
        ] {
            assert!(output.contains(&expected), "{expected} not in {output}");
        }
    }

    #[test]
    fn an_app_event_file_without_template_id_expands_to_an_app_event() {
        let input: syn::DeriveInput = parse_quote! {
            #[timeline(template = "../tests/ui/templates/car-serviced-hsmeta.json")]
            struct CarServiced {
                #[timeline(object_id)]
                car_id: u64,
                #[timeline(object_type)]
                car_type: String,
                garage: String,
            }
        };
        let output = derive_timeline_event(&input);
        assert!(messages(output.clone()).is_empty(), "{output}");
        let output = output.to_string();
        for expected in [
            "const EVENT_TYPE : & 'static str = \"car_serviced\"",
            "const KIND : :: hubspot_timeline :: __private :: EventKind = :: hubspot_timeline :: __private :: EventKind :: AppEvent",
            "Some (\"custom_objects\")",
            "ObjectTypeField > :: object_type (& self . car_type)",
        ] {
            assert!(output.contains(expected), "{expected} not in {output}");
        }
    }

    #[test]
    fn field_type_checks_are_emitted_next_to_other_errors() {
        let input: syn::DeriveInput = parse_quote! {
            #[timeline(template = "tests/fixtures/pet-adopted.json")]
            struct PetAdopted {
                #[timeline(email)]
                email: String,
                #[timeline(rename = "petNme")]
                name: String,
                #[timeline(rename = "petAge")]
                age: String,
            }
        };
        let output = derive_timeline_event(&input);
        let messages = messages(output.clone());
        assert_eq!(messages.len(), 1, "{messages:#?}");
        assert!(messages[0].starts_with("no token `petNme`"), "{}", messages[0]);
        let output = output.to_string();
        assert_eq!(output.matches("token_mismatch").count(), 1, "only `petAge` is checked: {output}");
        assert!(output.contains("name : \"petAge\""), "{output}");
        assert!(output.contains("unreachable"), "the stub impl is there too: {output}");
    }
}
