//! HubSpot's rules for token names, as pure functions.

/// The most tokens HubSpot allows in one event template.
pub const MAX_TOKENS: usize = 500;

/// Names HubSpot keeps for the event's own fields and Handlebars helpers.
pub const RESERVED: &[&str] = &[
    "properties",
    "applicationId",
    "eventTypeId",
    "extraData",
    "id",
    "objectType",
    "objectId",
    "portalId",
    "timestamp",
    "utk",
    "domain",
    "log",
    "lookup",
    "timelineIFrame",
    "eventTemplateId",
    "tokens",
];

/// Why a string cannot be a token name.
#[derive(Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// The name has a character other than ASCII letters, digits, `.`, `-`, `_`.
    BadChar(char),
    /// The name is one of [`RESERVED`].
    Reserved,
}

/// Checks `name` against HubSpot's token name rules.
///
/// ```
/// use timeline_template::names::{NameProblem, check_token_name};
/// assert_eq!(check_token_name("petName"), Ok(()));
/// assert_eq!(check_token_name("pet name"), Err(NameProblem::BadChar(' ')));
/// assert_eq!(check_token_name("objectId"), Err(NameProblem::Reserved));
/// ```
pub fn check_token_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if let Some(bad) = name.chars().find(|ch| !is_token_char(*ch)) {
        return Err(NameProblem::BadChar(bad));
    }
    if RESERVED.contains(&name) {
        return Err(NameProblem::Reserved);
    }
    Ok(())
}

fn is_token_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_are_accepted() {
        for name in ["petName", "pet_name", "pet-name", "pet.name", "a", "A1", "42", "Plan_v2.0-beta"] {
            assert_eq!(check_token_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn empty_names_are_refused() {
        assert_eq!(check_token_name(""), Err(NameProblem::Empty));
    }

    #[test]
    fn the_first_bad_character_is_named() {
        assert_eq!(check_token_name("pet name"), Err(NameProblem::BadChar(' ')));
        assert_eq!(check_token_name("größe"), Err(NameProblem::BadChar('ö')));
        assert_eq!(check_token_name("a/b:c"), Err(NameProblem::BadChar('/')));
        assert_eq!(check_token_name("{{x}}"), Err(NameProblem::BadChar('{')));
    }

    #[test]
    fn reserved_names_are_refused_exactly() {
        for name in RESERVED {
            assert_eq!(check_token_name(name), Err(NameProblem::Reserved), "{name}");
        }
        for near in ["Id", "ID", "timestamps", "objectid", "token", "logs"] {
            assert_eq!(check_token_name(near), Ok(()), "{near}");
        }
    }
}
