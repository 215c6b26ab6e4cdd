//! The checks `#[timeline(template = "…")]` cannot make in the macro,
//! because only const evaluation knows a field type's `TokenValue::KIND` and
//! `TokenValue::OPTIONS`. Generated code runs them in a `const` spanned at
//! the field's type and panics with the message, which makes it a compile
//! error there.

use super::const_message::ConstMessage;
use crate::token::TokenKind;

/// A token as the template definition file declares it.
pub struct TemplateToken {
    /// The token's name.
    pub name: &'static str,
    /// The token's type in the template.
    pub kind: TokenKind,
    /// The values of an enumeration token's options; empty for other kinds.
    pub options: &'static [&'static str],
    /// The template file, as written in the attribute.
    pub file: &'static str,
}

/// Why a field whose type has `field_kind` and `field_options` cannot send
/// `token`, or `None` when it can.
///
/// It fits when the kinds are equal and, for an enumeration, when every one
/// of the field's option values is one of the token's options.
pub const fn token_mismatch(
    token: &TemplateToken,
    field_kind: TokenKind,
    field_options: &[&str],
) -> Option<ConstMessage> {
    if !same_kind(token.kind, field_kind) {
        return Some(kind_mismatch(token, field_kind));
    }
    if !matches!(token.kind, TokenKind::Enumeration) {
        return None;
    }
    let mut unknown = 0;
    let mut i = 0;
    while i < field_options.len() {
        if !contains(token.options, field_options[i]) {
            unknown += 1;
        }
        i += 1;
    }
    if unknown == 0 {
        return None;
    }
    let mut message = ConstMessage::new().push(if unknown == 1 { "value " } else { "values " });
    let mut listed = 0;
    i = 0;
    while i < field_options.len() {
        if !contains(token.options, field_options[i]) {
            if listed > 0 {
                message = message.push(", ");
            }
            message = message.push("`").push(field_options[i]).push("`");
            listed += 1;
        }
        i += 1;
    }
    Some(
        message
            .push(if unknown == 1 { " of this field's enum is not an option" } else { " of this field's enum are not options" })
            .push(" of the enumeration token `")
            .push(token.name)
            .push("` in `")
            .push(token.file)
            .push("`, whose options are: ")
            .push_list(token.options)
            .push("; give each variant one of these values with `#[timeline(rename = \"…\")]`, or remove the variants the template does not have"),
    )
}

const fn kind_mismatch(token: &TemplateToken, field_kind: TokenKind) -> ConstMessage {
    let message = ConstMessage::new()
        .push("token `")
        .push(token.name)
        .push("` is ")
        .push(article(token.kind))
        .push(token.kind.as_str())
        .push(" token in `")
        .push(token.file)
        .push("`, but this field's type sends ")
        .push(article(field_kind))
        .push(field_kind.as_str())
        .push(" (its `TokenValue::KIND` is `TokenKind::")
        .push(variant_name(field_kind))
        .push("`); ");
    let message = match token.kind {
        TokenKind::String => message.push("a string token takes `String`, `&str`, `Cow<str>`, `bool` or a `Uuid`"),
        TokenKind::Number => {
            message.push("a number token takes an integer, a float or a `Decimal`, such as `u32`, `i64` or `f64`")
        }
        TokenKind::Date => message.push(
            "a date token takes a chrono `DateTime<Tz>`, `NaiveDate` or `NaiveDateTime`, or a `time` \
             `OffsetDateTime`, `PrimitiveDateTime` or `Date`",
        ),
        TokenKind::Enumeration => message
            .push("an enumeration token takes a `#[derive(TimelineToken)]` enum whose values are among its options (")
            .push_list(token.options)
            .push(")"),
    };
    message.push(", or an `Option` of one to leave the token out when it is `None`")
}

const fn article(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Enumeration => "an ",
        TokenKind::String | TokenKind::Number | TokenKind::Date => "a ",
    }
}

const fn variant_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::String => "String",
        TokenKind::Number => "Number",
        TokenKind::Date => "Date",
        TokenKind::Enumeration => "Enumeration",
    }
}

const fn same_kind(a: TokenKind, b: TokenKind) -> bool {
    a as u8 == b as u8
}

const fn contains(haystack: &[&str], needle: &str) -> bool {
    let mut i = 0;
    while i < haystack.len() {
        if same_str(haystack[i], needle) {
            return true;
        }
        i += 1;
    }
    false
}

const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const BREED: TemplateToken = TemplateToken {
        name: "breed",
        kind: TokenKind::Enumeration,
        options: &["golden-retriever", "beagle", "mixed"],
        file: "timeline/pet-adopted.json",
    };

    fn mismatch(token: &TemplateToken, kind: TokenKind, options: &[&str]) -> Option<String> {
        token_mismatch(token, kind, options).map(|message| message.as_str().to_owned())
    }

    #[test]
    fn equal_kinds_fit() {
        let age = TemplateToken { name: "petAge", kind: TokenKind::Number, options: &[], file: "pet.json" };
        assert_eq!(mismatch(&age, TokenKind::Number, &[]), None);
        assert_eq!(mismatch(&BREED, TokenKind::Enumeration, &["beagle", "mixed"]), None);
        assert_eq!(mismatch(&BREED, TokenKind::Enumeration, &[]), None, "hand-written enumerations are not checked");
    }

    #[test]
    fn a_kind_mismatch_names_the_token_both_kinds_and_the_fix() {
        let born = TemplateToken { name: "bornOn", kind: TokenKind::Date, options: &[], file: "pet.json" };
        let message = mismatch(&born, TokenKind::String, &[]).unwrap();
        assert_eq!(
            message,
            "token `bornOn` is a date token in `pet.json`, but this field's type sends a string \
             (its `TokenValue::KIND` is `TokenKind::String`); a date token takes a chrono `DateTime<Tz>`, \
             `NaiveDate` or `NaiveDateTime`, or a `time` `OffsetDateTime`, `PrimitiveDateTime` or `Date`, \
             or an `Option` of one to leave the token out when it is `None`"
        );
        let message = mismatch(&BREED, TokenKind::String, &[]).unwrap();
        assert!(message.contains("an enumeration token in"), "{message}");
        assert!(message.contains("`golden-retriever`, `beagle`, `mixed`"), "{message}");
    }

    #[test]
    fn values_that_are_not_options_are_all_named() {
        let message = mismatch(&BREED, TokenKind::Enumeration, &["beagle", "poodle", "Mixed"]).unwrap();
        assert!(message.starts_with("values `poodle`, `Mixed` of this field's enum are not options"), "{message}");
        assert!(message.contains("token `breed` in `timeline/pet-adopted.json`"), "{message}");
        let message = mismatch(&BREED, TokenKind::Enumeration, &["poodle"]).unwrap();
        assert!(message.starts_with("value `poodle` of this field's enum is not an option"), "{message}");
    }

    #[test]
    fn the_check_runs_in_a_const() {
        const { assert!(token_mismatch(&BREED, TokenKind::Enumeration, &["mixed"]).is_none()) };
        const { assert!(token_mismatch(&BREED, TokenKind::Enumeration, &["poodle"]).is_some()) };
    }
}
