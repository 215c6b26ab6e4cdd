//! Which paths under `/integrators/timeline/` HubSpot has: the relay
//! forwards those it does not serve itself, and answers HubSpot's 404 for
//! the rest without asking HubSpot.

/// The prefix of HubSpot's timeline paths.
pub(crate) const TIMELINE_PREFIX: &str = "/integrators/timeline/";

/// Whether `path` is under [`TIMELINE_PREFIX`] but not one of HubSpot's
/// timeline paths: v3 events (create, batch create, read, `detail`,
/// `render`), v3 event templates and their tokens, and app events
/// (create, batch, `types/projects`) under `v4` or a date version.
pub(crate) fn unknown_timeline_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix(TIMELINE_PREFIX) else {
        return false;
    };
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    !match segments.as_slice() {
        ["v3", "events", rest @ ..] => matches!(rest, [] | ["batch", "create"] | [_, _] | [_, _, "detail" | "render"]),
        ["v3", app_id, "event-templates", rest @ ..] => {
            is_number(app_id) && matches!(rest, [] | [_] | [_, "tokens"] | [_, "tokens", _])
        }
        [version, rest @ ..] if *version == "v4" || is_date_version(version) => {
            matches!(rest, ["events"] | ["events", "batch"] | ["types", "projects"])
        }
        _ => false,
    }
}

/// The part of `path` after `/integrators/timeline/v3/{appId}/event-templates`
/// (empty for the templates themselves, `/{id}` for one, `/{id}/tokens…`
/// for its tokens), when `path` is a template call.
pub(crate) fn template_call(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(TIMELINE_PREFIX)?.strip_prefix("v3/")?;
    let (app_id, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("event-templates")?;
    (is_number(app_id) && (rest.is_empty() || rest.starts_with('/'))).then_some(rest)
}

/// Whether `text` is a non-empty run of digits.
fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Whether `text` is a date version such as `2026-03`.
fn is_date_version(text: &str) -> bool {
    matches!(text.split_once('-'), Some((year, month)) if year.len() == 4 && month.len() == 2 && is_number(year) && is_number(month))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspots_timeline_paths_are_known_and_others_under_the_prefix_are_not() {
        for known in [
            "/integrators/timeline/v3/events",
            "/integrators/timeline/v3/events/batch/create",
            "/integrators/timeline/v3/events/1001298/e-1",
            "/integrators/timeline/v3/events/1001298/e-1/detail",
            "/integrators/timeline/v3/events/1001298/e-1/render",
            "/integrators/timeline/v3/12345/event-templates",
            "/integrators/timeline/v3/12345/event-templates/1001298",
            "/integrators/timeline/v3/12345/event-templates/1001298/tokens",
            "/integrators/timeline/v3/12345/event-templates/1001298/tokens/petName",
            "/integrators/timeline/2026-03/events/batch",
            "/integrators/timeline/2026-09/types/projects",
            "/integrators/timeline/v4/events",
            "/crm/v3/objects/contacts",
            "/oauth/v1/token",
        ] {
            assert!(!unknown_timeline_path(known), "{known}");
        }
        for unknown in [
            "/integrators/timeline/v3/nothing",
            "/integrators/timeline/v3/events/a/b/c",
            "/integrators/timeline/v3/app/event-templates",
            "/integrators/timeline/v3/12345/event-templates/1/tokens/a/b",
            "/integrators/timeline/v5/events",
            "/integrators/timeline/2026-3/events",
            "/integrators/timeline/2026-03/events/other",
            "/integrators/timeline/",
        ] {
            assert!(unknown_timeline_path(unknown), "{unknown}");
        }
    }
}
