//! HubSpot's rules for token names (from `timeline-template`), and the role
//! a reserved name stands for.

pub use timeline_template::names::{MAX_TOKENS, NameProblem, check_token_name};

/// The role flag that means what the reserved `name` means, if one does.
pub fn role_for_reserved(name: &str) -> Option<&'static str> {
    match name {
        "id" => Some("id"),
        "timestamp" => Some("timestamp"),
        "utk" => Some("utk"),
        "domain" => Some("domain"),
        "objectId" => Some("object_id"),
        "objectType" => Some("object_type"),
        "extraData" => Some("extra_data"),
        "timelineIFrame" => Some("iframe"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline_template::names::RESERVED;

    #[test]
    fn reserved_names_of_event_fields_point_at_their_role() {
        assert_eq!(role_for_reserved("objectId"), Some("object_id"));
        assert_eq!(role_for_reserved("timelineIFrame"), Some("iframe"));
        assert_eq!(role_for_reserved("lookup"), None);
        let with_role = RESERVED.iter().filter(|name| role_for_reserved(name).is_some()).count();
        assert_eq!(with_role, 8);
    }
}
