//! HubSpot's OpenAPI files in `reference/openapi/` as the contract our
//! servers' answers must keep: a schema's validator, and the check of an
//! answer against the response its operation lists for its status.

use serde_json::{Value, json};

/// The workspace's `reference/openapi/` folder.
const OPENAPI_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../reference/openapi");

/// An OpenAPI file of `reference/openapi/`, parsed.
fn document(file: &str) -> Value {
    let text =
        std::fs::read_to_string(format!("{OPENAPI_DIR}/{file}")).unwrap_or_else(|error| panic!("{file}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{file}: {error}"))
}

/// The validator of `#/components/schemas/{name}` of the OpenAPI file
/// `file` (such as `timeline-v3.json`), checking formats too.
pub fn schema_validator(file: &str, name: &str) -> jsonschema::Validator {
    let mut document = document(file);
    assert!(document["components"]["schemas"].get(name).is_some(), "{file} has no schema {name}");
    document["$ref"] = json!(format!("#/components/schemas/{name}"));
    jsonschema::draft4::options().should_validate_formats(true).build(&document).unwrap()
}

/// Checks `instance` against the schema `name` of `file`, listing every problem.
pub fn assert_matches_schema(file: &str, name: &str, instance: &Value) {
    let errors: Vec<String> = schema_validator(file, name)
        .iter_errors(instance)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{instance:#}");
}

/// The OpenAPI file and the path in it of a request path under
/// `/integrators/timeline/`: v3 in `timeline-v3.json`, 2026-03 and its
/// `/v4/` spelling in `timeline-2026-03.json`.
fn operation_file(path: &str) -> Option<(&'static str, String)> {
    let rest = path.strip_prefix("/integrators/timeline/")?;
    let (version, rest) = rest.split_once('/')?;
    match version {
        "v3" => Some(("timeline-v3.json", path.to_owned())),
        "2026-03" | "v4" => Some(("timeline-2026-03.json", format!("/integrators/timeline/2026-03/{rest}"))),
        _ => None,
    }
}

/// Whether the OpenAPI path template `template` (with `{name}` segments)
/// matches `path`.
fn path_matches(template: &str, path: &str) -> bool {
    let (template, path): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template.iter().zip(&path).all(|(part, actual)| part.starts_with('{') || part == actual)
}

/// The name of the schema a response object holds, following a
/// `#/components/responses/…` reference; `None` for a response without
/// content (HubSpot's 2026-03 `400` and `409`, say).
fn response_schema(document: &Value, response: &Value) -> Option<String> {
    let response = match response["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/responses/").expect("a response reference");
            &document["components"]["responses"][name]
        }
        None => response,
    };
    let content = response["content"].as_object()?;
    let reference = content.values().find_map(|media| media["schema"]["$ref"].as_str())?;
    Some(reference.strip_prefix("#/components/schemas/").expect("a schema reference").to_owned())
}

/// Checks an answer of a server standing in for HubSpot against HubSpot's
/// contract for `method` and `path` (under `/integrators/timeline/`): the
/// schema the operation lists for `status`, else its `default` (HubSpot's
/// `Error`); an error status whose response lists no body, or a path
/// HubSpot does not have, takes the `Error` body. A `202` (HubSpot never
/// answers one; the relay's pending answer) takes the operation's batch
/// response schema: `batch_schema` names it for the API of `path`.
pub fn assert_answer_keeps_contract(method: &str, path: &str, status: u16, body: &Value) {
    let Some((file, spec_path)) = operation_file(path) else {
        panic!("{path} is not a path of HubSpot's timeline APIs");
    };
    let document = document(file);
    let operation = document["paths"]
        .as_object()
        .and_then(|paths| paths.iter().find(|(template, _)| path_matches(template, &spec_path)))
        .and_then(|(_, operations)| operations.get(method.to_ascii_lowercase()));
    let schema = match operation {
        Some(_) if status == 202 => batch_schema(file).to_owned(),
        Some(operation) => {
            let responses = &operation["responses"];
            let listed = responses.get(status.to_string()).map(|response| response_schema(&document, response));
            match listed {
                Some(Some(schema)) => schema,
                Some(None) | None if status >= 400 => "Error".to_owned(),
                Some(None) => panic!("{file} lists {status} for {method} {spec_path} without a body"),
                None => response_schema(&document, &responses["default"]).expect("a default response"),
            }
        }
        None => {
            assert!(status >= 400, "{method} {path}: {status} on a path {file} does not have");
            "Error".to_owned()
        }
    };
    assert_matches_schema(file, &schema, body);
}

/// The batch response schema of the API of `file`, pending inputs and all.
fn batch_schema(file: &str) -> &'static str {
    if file == "timeline-v3.json" {
        "BatchResponseTimelineEventResponseWithErrors"
    } else {
        "BatchResponseAppEventOccurrence"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_against_the_schema_of_their_status() {
        let error = json!({"status": "error", "message": "no", "correlationId": "0b0b4c38-7d6a-4c8b-9d0e-4a7c2f1e9b11", "category": "VALIDATION_ERROR"});
        assert_answer_keeps_contract("POST", "/integrators/timeline/v3/events/batch/create", 400, &error);
        assert_answer_keeps_contract("POST", "/integrators/timeline/v4/events/batch", 409, &error);
        assert_answer_keeps_contract("GET", "/integrators/timeline/v3/nothing", 404, &error);
        let refused = std::panic::catch_unwind(|| {
            assert_answer_keeps_contract("POST", "/integrators/timeline/v3/events/batch/create", 201, &error)
        });
        assert!(refused.is_err(), "an error body is not a 201's batch response");
    }
}
