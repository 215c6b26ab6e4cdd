//! The derives' output compiles cleanly in hostile surroundings: under
//! `#![deny(warnings)]` and pedantic clippy, with the prelude's names and the
//! runtime crate's own name shadowed by user items.

#![deny(warnings, unused_qualifications, unused_results, clippy::all, clippy::pedantic)]

use ::hubspot_timeline::{TimelineEvent, TimelineToken};

/// Items named like the prelude; generated code must not pick them up.
#[allow(dead_code)]
mod shadows {
    pub struct Result;
    pub struct Option;
    pub struct Some;
    pub struct Ok;
    pub struct String;
    pub struct Box;
    pub struct Vec;
    pub struct Cow;
    pub mod core {}
    pub mod std {}
    pub mod hubspot_timeline {}
}

#[allow(unused_imports)]
use shadows::*;

#[derive(TimelineToken, Clone, Copy)]
#[timeline(rename_all = "snake_case")]
enum Plan {
    Free,
    TeamPro,
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", rename_all = "camelCase")]
struct Plain {
    #[timeline(email)]
    email: ::std::string::String,
    pet_name: ::std::string::String,
    plan: Plan,
    nickname: ::std::option::Option<::std::string::String>,
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001299")]
struct Generic<'a, P, Q = u8>
where
    P: TimelineToken,
    Q: Copy,
{
    #[timeline(object_id)]
    record: &'a str,
    #[timeline(id)]
    id: Q,
    plan: P,
    count: Q,
}

#[derive(serde::Serialize)]
struct Extra {
    shelter: &'static str,
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001300")]
struct EveryRole {
    #[timeline(utk)]
    utk: ::std::boxed::Box<str>,
    #[timeline(domain)]
    domain: ::std::option::Option<&'static str>,
    #[timeline(timestamp)]
    at: ::std::time::SystemTime,
    #[timeline(extra_data)]
    extra: Extra,
    #[timeline(iframe)]
    frame: ::std::option::Option<::hubspot_timeline::wire::TimelineEventIFrame>,
    r#type: &'static str,
    #[timeline(skip)]
    cache: ::std::vec::Vec<u8>,
}

#[derive(TimelineToken, Clone, Copy)]
#[timeline(rename_all = "kebab-case")]
enum Breed {
    Beagle,
}

/// Bound to a template file: the tracked inputs and the const checks of
/// each field, for a plain field, a borrowed one and a generic one.
#[derive(TimelineEvent)]
#[timeline(template = "tests/ui/templates/pet-adopted.json", rename_all = "camelCase")]
struct FromTemplate<'a, B: TimelineToken> {
    #[timeline(email)]
    owner_email: &'a str,
    pet_name: ::std::option::Option<&'a str>,
    pet_age: u8,
    breed: B,
}

mod vendored {
    pub use ::hubspot_timeline as timeline;
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001301", crate = "vendored::timeline")]
struct Vendored {
    #[timeline(email)]
    email: &'static str,
}

/// Declares an event from inside a `macro_rules!`, whose tokens carry the
/// macro's hygiene and arrive in invisible groups.
macro_rules! declare_event {
    ($name:ident, $template_id:literal, $token:ident: $ty:ty) => {
        #[derive(TimelineEvent)]
        #[timeline(template_id = $template_id)]
        struct $name {
            #[timeline(email)]
            email: &'static str,
            $token: $ty,
        }
    };
}

declare_event!(FromMacro, "1001302", visits: u32);

#[test]
fn events_declared_by_a_macro_rules_derive() {
    let event = FromMacro { email: "c@example.com", visits: 4 };
    assert_eq!(<FromMacro as TimelineEvent>::EVENT_TYPE, "1001302");
    assert_eq!(event.tokens().unwrap()["visits"], "4");
}

#[test]
fn derived_events_encode_in_shadowed_surroundings() {
    let plain = Plain {
        email: "ada@example.com".into(),
        pet_name: "Rex".into(),
        plan: Plan::TeamPro,
        nickname: ::std::option::Option::None,
    };
    let generic = Generic { record: "42", id: 7u16, plan: Plan::Free, count: 3 };
    let every = EveryRole {
        utk: "utk-1".into(),
        domain: ::std::option::Option::Some("example.com"),
        at: ::std::time::UNIX_EPOCH,
        extra: Extra { shelter: "North" },
        frame: ::std::option::Option::None,
        r#type: "ad",
        cache: ::std::vec::Vec::new(),
    };
    let mut body = ::std::vec::Vec::new();
    assert_eq!(::hubspot_timeline::encode_input(&plain, &mut body).unwrap().len(), 36);
    assert_eq!(::hubspot_timeline::encode_input(&generic, &mut body).unwrap(), "7");
    assert!(::hubspot_timeline::encode_input(&every, &mut body).unwrap().starts_with("tl2-"));
    assert!(::hubspot_timeline::encode_input(&Vendored { email: "b@example.com" }, &mut body).is_ok());
    assert!(every.cache.is_empty());
    assert_eq!(plain.tokens().unwrap()["plan"], "team_pro");
    let from_template = FromTemplate {
        owner_email: "d@example.com",
        pet_name: ::std::option::Option::None,
        pet_age: 2,
        breed: Breed::Beagle,
    };
    assert!(::hubspot_timeline::encode_input(&from_template, &mut body).is_ok());
    assert_eq!(<FromTemplate<'_, Breed> as TimelineEvent>::OBJECT_TYPE, ::std::option::Option::Some("contacts"));
}
