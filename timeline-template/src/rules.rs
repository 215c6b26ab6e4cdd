//! The rules a [`Definition`] follows before events are checked against
//! it, as HubSpot states them when a template or an app-event type is
//! created: names, labels and enumeration options. Each error says what to
//! fix.

use std::collections::HashSet;

use crate::definition::{Definition, Origin, Token, TokenKind, TokenOption};
use crate::names::{MAX_TOKENS, NameProblem, check_token_name};

/// Checks a definition of either kind: [`template`] (its message starting
/// with the template id) for an event template, [`app_event`] for an app
/// event.
///
/// ```
/// let file = r#"{"id": "1001298", "name": "Pet adopted", "objectType": "contacts",
///                "tokens": [{"name": "petAge", "type": "number"}]}"#;
/// let definition = timeline_template::definition::parse(file).unwrap();
/// let problem = timeline_template::rules::check(&definition).unwrap_err();
/// assert_eq!(problem, "template 1001298: token `petAge` needs a `label`");
/// ```
pub fn check(definition: &Definition) -> Result<(), String> {
    match &definition.origin {
        Origin::EventTemplate { id } if id.trim().is_empty() => {
            Err(format!("template `{}` has no id", definition.name))
        }
        Origin::EventTemplate { id } => template(&definition.name, &definition.object_type, &definition.tokens)
            .map_err(|problem| format!("template {id}: {problem}")),
        Origin::AppEvent { uid } if uid.trim().is_empty() => {
            Err(format!("app event `{}` has an empty `uid`", definition.name))
        }
        Origin::AppEvent { uid } => app_event(uid, &definition.tokens),
    }
}

/// Checks an event template's name, object type and tokens.
pub fn template(name: &str, object_type: &str, tokens: &[Token]) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("the template's `name` must not be empty".to_owned());
    }
    if object_type.trim().is_empty() {
        return Err("the template's `objectType` must not be empty (such as `contacts`)".to_owned());
    }
    if tokens.len() > MAX_TOKENS {
        return Err(format!("a template may have at most {MAX_TOKENS} tokens, this one has {}", tokens.len()));
    }
    let mut seen = HashSet::new();
    for token in tokens {
        self::token(token)?;
        if !seen.insert(token.name.as_str()) {
            return Err(format!("token `{}` is defined twice", token.name));
        }
    }
    Ok(())
}

/// Checks one token of an event template: its name, label and options.
pub fn token(token: &Token) -> Result<(), String> {
    let name = &token.name;
    match check_token_name(name) {
        Ok(()) => {}
        Err(NameProblem::Empty | NameProblem::BadChar(_)) => {
            return Err(format!("token name `{name}` may only hold ASCII letters, digits, `.`, `-` and `_`"));
        }
        Err(NameProblem::Reserved) => {
            return Err(format!("token name `{name}` is reserved by HubSpot; choose another name"));
        }
    }
    if token.label.trim().is_empty() {
        return Err(format!("token `{name}` needs a `label`"));
    }
    options(name, token.kind, &token.options)
}

/// Checks that an enumeration token, and only it, has options, each value once.
pub fn options(name: &str, kind: TokenKind, options: &[TokenOption]) -> Result<(), String> {
    options_of(&TOKEN, name, kind, options)
}

/// Checks an app event's properties: each named, each name once, and the
/// options as [`options`] wants them; the message starts with the `uid`.
pub fn app_event(uid: &str, properties: &[Token]) -> Result<(), String> {
    let mut names = HashSet::new();
    for property in properties {
        let name = &property.name;
        let problem = if name.trim().is_empty() {
            Err("a property has an empty name".to_owned())
        } else if !names.insert(name.as_str()) {
            Err(format!("property `{name}` is defined twice"))
        } else {
            options_of(&PROPERTY, name, property.kind, &property.options)
        };
        problem.map_err(|problem| format!("app event {uid}: {problem}"))?;
    }
    Ok(())
}

/// What a definition calls one of its values.
struct Item {
    one: &'static str,
    many: &'static str,
}

/// An event template's values.
const TOKEN: Item = Item { one: "token", many: "tokens" };

/// An app event's values.
const PROPERTY: Item = Item { one: "property", many: "properties" };

fn options_of(item: &Item, name: &str, kind: TokenKind, options: &[TokenOption]) -> Result<(), String> {
    let Item { one, many } = item;
    match kind {
        TokenKind::Enumeration if options.is_empty() => {
            Err(format!("enumeration {one} `{name}` needs at least one option"))
        }
        TokenKind::Enumeration => {
            let mut values = HashSet::new();
            match options.iter().find(|option| !values.insert(option.value.as_str())) {
                Some(option) => {
                    Err(format!("enumeration {one} `{name}` has the option value `{}` twice", option.value))
                }
                None => Ok(()),
            }
        }
        _ if !options.is_empty() => {
            Err(format!("{one} `{name}` is a {} {one}; only enumeration {many} have options", kind.as_str()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::parse;

    const WEBINAR: &str = r#"{"uid": "webinar", "type": "app-event",
        "config": {"name": "Webinar", "objectType": "COMPANY",
                   "properties": [{"name": "kind", "type": "enumeration", "options": [{"value": "ama"}]}]}}"#;

    #[test]
    fn app_events_need_distinct_named_properties_and_options_on_enumerations_only() {
        assert_eq!(check(&parse(WEBINAR).unwrap()), Ok(()));
        let cases = [
            (
                r#""properties": [{"name": "kind", "type": "string"}, "#,
                "app event webinar: property `kind` is defined twice",
            ),
            (r#""properties": [{"name": " ", "type": "string"}, "#, "app event webinar: a property has an empty name"),
        ];
        for (replacement, expected) in cases {
            let text = WEBINAR.replace(r#""properties": ["#, replacement);
            assert_eq!(check(&parse(&text).unwrap()).unwrap_err(), expected);
        }
        let on_string = WEBINAR.replace(r#""type": "enumeration""#, r#""type": "string""#);
        let problem = check(&parse(&on_string).unwrap()).unwrap_err();
        assert!(problem.contains("only enumeration properties have options"), "{problem}");
        let none = WEBINAR.replace(r#"[{"value": "ama"}]"#, "[]");
        let problem = check(&parse(&none).unwrap()).unwrap_err();
        assert_eq!(problem, "app event webinar: enumeration property `kind` needs at least one option");
    }

    #[test]
    fn templates_need_valid_labelled_tokens() {
        let template = |tokens: &str| {
            parse(&format!(r#"{{"id": "7", "name": "T", "objectType": "contacts", "tokens": [{tokens}]}}"#)).unwrap()
        };
        let cases = [
            (r#"{"name": "a b", "label": "A", "type": "string"}"#, "may only hold ASCII letters"),
            (r#"{"name": "a", "label": " ", "type": "string"}"#, "token `a` needs a `label`"),
            (
                r#"{"name": "a", "label": "A", "type": "number", "options": [{"value": "1"}]}"#,
                "token `a` is a number token; only enumeration tokens have options",
            ),
            (
                r#"{"name": "a", "label": "A", "type": "enumeration", "options": [{"value": "1"}, {"value": "1"}]}"#,
                "enumeration token `a` has the option value `1` twice",
            ),
            (
                r#"{"name": "a", "label": "A", "type": "string"}, {"name": "a", "label": "B", "type": "date"}"#,
                "token `a` is defined twice",
            ),
        ];
        for (tokens, expected) in cases {
            let problem = check(&template(tokens)).unwrap_err();
            assert!(problem.starts_with("template 7: ") && problem.contains(expected), "{tokens}: {problem}");
        }
        assert_eq!(check(&template(r#"{"name": "a", "label": "A", "type": "date"}"#)), Ok(()));
    }
}
