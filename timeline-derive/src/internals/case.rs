//! `rename_all` rules: serde's rule names, applied to field names (written
//! in snake_case) and to variant names (written in PascalCase).

use self::RenameRule::*;

/// A case rule from `#[timeline(rename_all = "…")]`.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub enum RenameRule {
    /// Names as written in the source.
    #[default]
    None,
    /// `lowercase`
    LowerCase,
    /// `UPPERCASE`
    UpperCase,
    /// `PascalCase`
    PascalCase,
    /// `camelCase`
    CamelCase,
    /// `snake_case`
    SnakeCase,
    /// `SCREAMING_SNAKE_CASE`
    ScreamingSnakeCase,
    /// `kebab-case`
    KebabCase,
    /// `SCREAMING-KEBAB-CASE`
    ScreamingKebabCase,
}

/// Every rule with the name users write for it.
static RULES: &[(&str, RenameRule)] = &[
    ("lowercase", LowerCase),
    ("UPPERCASE", UpperCase),
    ("PascalCase", PascalCase),
    ("camelCase", CamelCase),
    ("snake_case", SnakeCase),
    ("SCREAMING_SNAKE_CASE", ScreamingSnakeCase),
    ("kebab-case", KebabCase),
    ("SCREAMING-KEBAB-CASE", ScreamingKebabCase),
];

impl RenameRule {
    /// The rule called `name`, or an error listing the rules there are.
    pub fn from_str(name: &str) -> Result<Self, UnknownRule<'_>> {
        RULES.iter().find(|(rule_name, _)| *rule_name == name).map(|(_, rule)| *rule).ok_or(UnknownRule(name))
    }

    /// Applies the rule to a field name written in snake_case.
    pub fn apply_to_field(self, field: &str) -> String {
        match self {
            None | LowerCase | SnakeCase => field.to_owned(),
            UpperCase | ScreamingSnakeCase => field.to_ascii_uppercase(),
            PascalCase => snake_to_pascal(field),
            CamelCase => lowercase_first(&snake_to_pascal(field)),
            KebabCase => field.replace('_', "-"),
            ScreamingKebabCase => field.to_ascii_uppercase().replace('_', "-"),
        }
    }

    /// Applies the rule to a variant name written in PascalCase.
    pub fn apply_to_variant(self, variant: &str) -> String {
        match self {
            None | PascalCase => variant.to_owned(),
            LowerCase => variant.to_ascii_lowercase(),
            UpperCase => variant.to_ascii_uppercase(),
            CamelCase => lowercase_first(variant),
            SnakeCase => pascal_to_snake(variant),
            ScreamingSnakeCase => pascal_to_snake(variant).to_ascii_uppercase(),
            KebabCase => pascal_to_snake(variant).replace('_', "-"),
            ScreamingKebabCase => pascal_to_snake(variant).to_ascii_uppercase().replace('_', "-"),
        }
    }
}

/// `pet_name` → `PetName`.
fn snake_to_pascal(snake: &str) -> String {
    let mut pascal = String::with_capacity(snake.len());
    let mut capitalize = true;
    for ch in snake.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(ch);
        }
    }
    pascal
}

/// `PetName` → `pet_name`.
fn pascal_to_snake(pascal: &str) -> String {
    let mut snake = String::with_capacity(pascal.len() + 4);
    for (i, ch) in pascal.char_indices() {
        if i > 0 && ch.is_uppercase() {
            snake.push('_');
        }
        snake.push(ch.to_ascii_lowercase());
    }
    snake
}

/// `PetName` → `petName`.
fn lowercase_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        Option::None => String::new(),
    }
}

/// A `rename_all` value that names no rule.
#[derive(Debug)]
pub struct UnknownRule<'a>(&'a str);

impl std::fmt::Display for UnknownRule<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown rename rule `rename_all = {:?}`; expected one of: ", self.0)?;
        for (i, (name, _)) in RULES.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_renamed_from_snake_case() {
        let cases: &[(&str, [&str; 8])] = &[
            (
                "pet_name",
                ["pet_name", "PET_NAME", "PetName", "petName", "pet_name", "PET_NAME", "pet-name", "PET-NAME"],
            ),
            ("age", ["age", "AGE", "Age", "age", "age", "AGE", "age", "AGE"]),
            (
                "vaccinated_on_2",
                [
                    "vaccinated_on_2",
                    "VACCINATED_ON_2",
                    "VaccinatedOn2",
                    "vaccinatedOn2",
                    "vaccinated_on_2",
                    "VACCINATED_ON_2",
                    "vaccinated-on-2",
                    "VACCINATED-ON-2",
                ],
            ),
        ];
        for (field, expected) in cases {
            for ((_, rule), expected) in RULES.iter().zip(expected) {
                assert_eq!(rule.apply_to_field(field), *expected, "{rule:?} on field {field}");
            }
            assert_eq!(RenameRule::None.apply_to_field(field), *field);
        }
    }

    #[test]
    fn variants_are_renamed_from_pascal_case() {
        let cases: &[(&str, [&str; 8])] = &[
            (
                "GoldPlan",
                ["goldplan", "GOLDPLAN", "GoldPlan", "goldPlan", "gold_plan", "GOLD_PLAN", "gold-plan", "GOLD-PLAN"],
            ),
            ("Free", ["free", "FREE", "Free", "free", "free", "FREE", "free", "FREE"]),
        ];
        for (variant, expected) in cases {
            for ((_, rule), expected) in RULES.iter().zip(expected) {
                assert_eq!(rule.apply_to_variant(variant), *expected, "{rule:?} on variant {variant}");
            }
            assert_eq!(RenameRule::None.apply_to_variant(variant), *variant);
        }
    }

    #[test]
    fn odd_names_do_not_panic() {
        for rule in RULES.iter().map(|(_, rule)| *rule) {
            assert_eq!(rule.apply_to_field(""), "");
            assert_eq!(rule.apply_to_variant(""), "");
            rule.apply_to_field("_");
            rule.apply_to_variant("Ünïcode");
            rule.apply_to_field("ünïcode_fïeld");
        }
        assert_eq!(CamelCase.apply_to_field("__"), "");
        assert_eq!(CamelCase.apply_to_variant("Élan"), "Élan");
    }

    #[test]
    fn rules_are_found_by_their_serde_names() {
        for (name, rule) in RULES {
            assert_eq!(RenameRule::from_str(name).unwrap(), *rule);
        }
        let error = RenameRule::from_str("camel").unwrap_err().to_string();
        assert!(error.starts_with("unknown rename rule `rename_all = \"camel\"`; expected one of: \"lowercase\""));
        assert!(error.ends_with("\"SCREAMING-KEBAB-CASE\""));
    }
}
