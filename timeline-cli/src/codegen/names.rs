//! Rust identifiers from template, token and option names.

use std::collections::HashSet;

/// Words Rust reserves, which cannot be plain identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The words of `name`: runs of ASCII letters and digits, split at case changes.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            words.extend((!current.is_empty()).then(|| std::mem::take(&mut current)));
            previous_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        current.push(ch);
    }
    words.extend((!current.is_empty()).then_some(current));
    words
}

/// `petAge` → `pet_age`: a valid field name (empty when `name` has no letters or digits).
pub fn snake_case(name: &str) -> String {
    let joined = words(name).iter().map(|word| word.to_ascii_lowercase()).collect::<Vec<_>>().join("_");
    identifier(joined, "field_")
}

/// `pet adopted` → `PetAdopted`: a valid type or variant name (empty when
/// `name` has no letters or digits).
pub fn pascal_case(name: &str) -> String {
    let joined: String = words(name)
        .iter()
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect();
    identifier(joined, "V")
}

/// `text` made a valid identifier: `prefix` before a leading digit, `_` after a keyword.
fn identifier(text: String, prefix: &str) -> String {
    if text.starts_with(|ch: char| ch.is_ascii_digit()) {
        format!("{prefix}{text}")
    } else if KEYWORDS.contains(&text.as_str()) {
        format!("{text}_")
    } else {
        text
    }
}

/// Names given out so far, so that each is unique.
#[derive(Debug, Default)]
pub struct Names(HashSet<String>);

impl Names {
    /// A set that already holds `reserved`.
    pub fn with_reserved<const N: usize>(reserved: [&str; N]) -> Self {
        Names(reserved.into_iter().map(str::to_owned).collect())
    }

    /// `name`, or `name` with the smallest numeric suffix that is free (an
    /// empty name becomes `field`).
    pub fn claim(&mut self, name: String) -> String {
        let base = if name.is_empty() { "field".to_owned() } else { name };
        let mut candidate = base.clone();
        let mut suffix = 2;
        while self.0.contains(&candidate) {
            candidate = format!("{base}{suffix}");
            suffix += 1;
        }
        self.0.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_identifiers() {
        assert_eq!(snake_case("petAge"), "pet_age");
        assert_eq!(snake_case("vaccinated-on.date"), "vaccinated_on_date");
        assert_eq!(snake_case("HTTPStatus"), "httpstatus");
        assert_eq!(snake_case("type"), "type_");
        assert_eq!(snake_case("become"), "become_");
        assert_eq!(snake_case("x\"}\n#[evil] */"), "x_evil");
        assert_eq!(snake_case("3dModel"), "field_3d_model");
        assert_eq!(pascal_case("Pet adopted"), "PetAdopted");
        assert_eq!(pascal_case("golden-retriever"), "GoldenRetriever");
        assert_eq!(pascal_case("1-year"), "V1Year");
        assert_eq!(pascal_case("self"), "Self_");
        assert_eq!(pascal_case("✓"), "");
    }

    #[test]
    fn claimed_names_are_unique() {
        let mut names = Names::with_reserved(["id"]);
        assert_eq!(names.claim("id".into()), "id2");
        assert_eq!(names.claim("pet".into()), "pet");
        assert_eq!(names.claim("pet".into()), "pet2");
        assert_eq!(names.claim(String::new()), "field");
    }
}
