//! Each validation rule gives a per-input StandardError in a 207, and the
//! valid inputs of the same batch are stored.

use serde_json::{Value, json};

use crate::common::{DEAL, PET, TOKEN, batch, client, pet, start, status_and_json};

/// A pet input with one change applied, and the `in`, code and message words its error must have.
struct Case {
    input: Value,
    location: &'static str,
    code: &'static str,
    hint: &'static str,
}

fn case(
    id: &str,
    change: impl FnOnce(&mut Value),
    location: &'static str,
    code: &'static str,
    hint: &'static str,
) -> Case {
    let mut input = pet(id);
    change(&mut input);
    Case { input, location, code, hint }
}

fn cases() -> Vec<Case> {
    let deal = |id: &str, extra: (&str, &str)| {
        let mut input = json!({"eventTemplateId": DEAL, "id": id, "objectId": "88", "tokens": {"amount": "5"}});
        input[extra.0] = json!(extra.1);
        input
    };
    vec![
        case("v-template", |i| i["eventTemplateId"] = json!("999"), "eventTemplateId", "UNKNOWN_TEMPLATE", "999"),
        case("v-token", |i| i["tokens"]["petNme"] = json!("x"), "tokens.petNme", "UNKNOWN_TOKEN", "petName"),
        case("v-type", |i| i["tokens"]["petAge"] = json!(true), "tokens.petAge", "INVALID_TOKEN_TYPE", "\"true\""),
        case("v-number", |i| i["tokens"]["petAge"] = json!("three"), "tokens.petAge", "INVALID_TOKEN_VALUE", "number"),
        case(
            "v-date",
            |i| i["tokens"]["adoptedOn"] = json!("2026-05-04"),
            "tokens.adoptedOn",
            "INVALID_TOKEN_VALUE",
            "epoch milliseconds",
        ),
        case(
            "v-enum",
            |i| i["tokens"]["breed"] = json!("poodle"),
            "tokens.breed",
            "INVALID_TOKEN_VALUE",
            "lab, beagle",
        ),
        case(
            "v-target",
            |i| {
                i.as_object_mut().unwrap().remove("objectId");
            },
            "objectId",
            "MISSING_TARGET",
            "email",
        ),
        Case {
            input: deal("v-email-deal", ("email", "a@b.co")),
            location: "email",
            code: "TARGET_NOT_ALLOWED",
            hint: "deals",
        },
        Case {
            input: deal("v-utk-deal", ("utk", "abc")),
            location: "utk",
            code: "TARGET_NOT_ALLOWED",
            hint: "objectId",
        },
        case("v-email", |i| i["email"] = json!("not-an-email"), "email", "INVALID_EMAIL", "not-an-email"),
        case(
            "v-iframe",
            |i| {
                i["timelineIFrame"] =
                    json!({"linkLabel": "Open", "headerLabel": "Log", "url": "https://x.test", "width": 800})
            },
            "timelineIFrame.height",
            "INCOMPLETE_IFRAME",
            "height",
        ),
        case("v-empty-target", |i| i["objectId"] = json!(""), "objectId", "EMPTY_TARGET", "must not be empty"),
        case("v-time", |i| i["timestamp"] = json!("yesterday"), "timestamp", "INVALID_TIMESTAMP", "RFC 3339"),
    ]
}

#[tokio::test]
async fn every_rule_gives_an_actionable_per_input_error_and_valid_inputs_land() {
    let sandbox = start().await;
    let cases = cases();
    let mut inputs: Vec<Value> = cases.iter().map(|case| case.input.clone()).collect();
    inputs.insert(3, pet("valid-between"));
    let (status, body) = status_and_json(batch(&sandbox, inputs).await).await;

    assert_eq!(status, 207);
    assert_eq!(body["numErrors"], cases.len());
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), cases.len());
    for (case, error) in cases.iter().zip(errors) {
        let id = case.input["id"].as_str().unwrap();
        assert_eq!(error["context"]["id"], json!([id]), "{error}");
        let detail = &error["errors"][0];
        assert_eq!(detail["in"], case.location, "{id}: {error}");
        assert_eq!(detail["code"], case.code, "{id}: {error}");
        assert!(error["message"].as_str().unwrap().contains(case.hint), "{id}: {error}");
    }
    let stored: Vec<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    assert_eq!(stored, ["valid-between"]);
}

#[tokio::test]
async fn an_input_without_id_has_no_context_id() {
    let sandbox = start().await;
    let mut input = pet("x");
    input.as_object_mut().unwrap().remove("id");
    input["tokens"]["breed"] = json!("poodle");
    let (status, body) = status_and_json(batch(&sandbox, vec![input, pet("ok")]).await).await;

    assert_eq!(status, 207);
    assert!(body["errors"][0]["context"].get("id").is_none(), "{body}");
}

#[tokio::test]
async fn every_problem_of_one_input_is_reported() {
    let sandbox = start().await;
    let mut input = pet("many");
    input["tokens"] = json!({"petAge": "old", "breed": "poodle", "ghost": "boo"});
    let (_, body) = status_and_json(batch(&sandbox, vec![input]).await).await;

    let mut locations: Vec<&str> =
        body["errors"][0]["errors"].as_array().unwrap().iter().map(|d| d["in"].as_str().unwrap()).collect();
    locations.sort_unstable();
    assert_eq!(locations, ["tokens.breed", "tokens.ghost", "tokens.petAge"]);
}

#[tokio::test]
async fn a_complete_iframe_email_and_utk_are_accepted_on_a_contact_template() {
    let sandbox = start().await;
    let mut input = pet("full");
    input["email"] = json!("kim@example.com");
    input["utk"] = json!("cookie-1");
    input["domain"] = json!("example.com");
    input["timestamp"] = json!("2026-05-04T09:15:00Z");
    input["extraData"] = json!({"steps": [1, 2]});
    input["timelineIFrame"] =
        json!({"linkLabel": "Open", "headerLabel": "Log", "url": "https://x.test", "width": 800, "height": 600});
    let (status, body) = status_and_json(batch(&sandbox, vec![input]).await).await;

    assert_eq!(status, 201, "{body}");
    let event = &sandbox.events()[0];
    assert_eq!(event.timeline_i_frame.as_ref().unwrap().height, 600);
    assert_eq!(event.object_id.as_deref(), Some("5120345"));
    assert_eq!(body["results"][0]["timestamp"], "2026-05-04T09:15:00.000Z");
}

#[tokio::test]
async fn a_number_sent_as_a_json_number_is_stored_as_its_text_as_hubspot_does() {
    let sandbox = start().await;
    let mut input = pet("numeric");
    input["tokens"]["petAge"] = json!(3);
    let (status, body) = status_and_json(batch(&sandbox, vec![input]).await).await;

    assert_eq!(status, 201, "{body}");
    assert_eq!(body["results"][0]["tokens"]["petAge"], "3");
    assert_eq!(sandbox.events()[0].tokens["petAge"], "3");
}

#[tokio::test]
async fn a_key_sent_twice_counts_with_its_last_value_and_escaped_text_is_read_whole() {
    let sandbox = start().await;
    let body = format!(
        r#"{{"inputs": [{{"eventTemplateId": "{PET}", "id": "twice", "objectId": "5120345", "id": "tw\u0069ce-2",
            "tokens": {{"petName": "Rex", "breed": "poodle", "petAge": "3", "adoptedOn": "1777886100000",
                        "breed": "lab", "petName": "Oscar \"Ozzy\""}}}}]}}"#
    );
    let url = format!("{}/integrators/timeline/v3/events/batch/create", sandbox.url());
    let response = client().post(url).bearer_auth(TOKEN).header("content-type", "application/json").body(body);
    let (status, body) = status_and_json(response.send().await.unwrap()).await;

    assert_eq!(status, 201, "{body}");
    assert_eq!(body["results"][0]["id"], "twice-2");
    assert_eq!(body["results"][0]["tokens"]["breed"], "lab");
    assert_eq!(body["results"][0]["tokens"]["petName"], "Oscar \"Ozzy\"");
    let stored = sandbox.event(PET, "twice-2").unwrap();
    assert_eq!(stored.tokens.len(), 4);
}
