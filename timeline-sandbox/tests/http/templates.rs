//! Event template and token routes, with developer auth.

use serde_json::{Value, json};
use timeline_sandbox::DuplicateIds;

use crate::common::{DEAL, PET, TOKEN, client, start, status_and_json};

const APP: &str = "/integrators/timeline/v3/123/event-templates";

async fn send(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut request = client().request(method, format!("{url}?hapikey=dev-key"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

#[tokio::test]
async fn templates_can_be_listed_created_read_updated_and_deleted() {
    let sandbox = start().await;
    let base = format!("{}{APP}", sandbox.url());

    let (status, list) = send(reqwest::Method::GET, base.clone(), None).await;
    assert_eq!(status, 200);
    assert_eq!(list["results"].as_array().unwrap().len(), 2);

    let create = json!({"name": "Webinar joined", "objectType": "contacts",
        "tokens": [{"name": "webinar", "label": "Webinar", "type": "string", "options": []}]});
    let (status, created) = send(reqwest::Method::POST, base.clone(), Some(create)).await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(created["createdAt"].is_string());

    let (status, fetched) = send(reqwest::Method::GET, format!("{base}/{id}"), None).await;
    assert_eq!((status, &fetched), (200, &created));

    let update = json!({"id": id, "name": "Webinar attended", "headerTemplate": "Joined {{webinar}}",
        "tokens": [{"name": "webinar", "label": "Webinar name", "type": "string", "options": []}]});
    let (status, updated) = send(reqwest::Method::PUT, format!("{base}/{id}"), Some(update)).await;
    assert_eq!(status, 200);
    assert_eq!(updated["name"], "Webinar attended");
    assert_eq!(updated["objectType"], "contacts");

    let (status, _) = send(reqwest::Method::DELETE, format!("{base}/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, gone) = send(reqwest::Method::GET, format!("{base}/{id}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(gone["category"], "OBJECT_NOT_FOUND");
}

#[tokio::test]
async fn deleting_a_template_drops_its_events_and_keeps_the_others_in_order() {
    let sandbox = crate::common::builder().duplicate_ids(DuplicateIds::Replace).start().await.unwrap();
    let deal = |id: &str| json!({"eventTemplateId": DEAL, "id": id, "objectId": "77", "tokens": {"amount": "10"}});
    let inputs = vec![crate::common::pet("p-1"), deal("d-1"), crate::common::pet("p-2"), deal("d-2")];
    let (status, _) = status_and_json(crate::common::batch(&sandbox, inputs).await).await;
    assert_eq!(status, 201);

    let (status, _) = send(reqwest::Method::DELETE, format!("{}{APP}/{DEAL}", sandbox.url()), None).await;
    assert_eq!(status, 204);
    let stored: Vec<String> = sandbox.events().into_iter().map(|event| event.id).collect();
    assert_eq!(stored, ["p-1", "p-2"]);
    assert_eq!(sandbox.event(PET, "p-2").map(|event| event.id).as_deref(), Some("p-2"));
    assert!(sandbox.event(DEAL, "d-1").is_none());

    let mut changed = crate::common::pet("p-2");
    changed["tokens"]["petName"] = json!("Max");
    let (status, _) =
        status_and_json(crate::common::batch(&sandbox, vec![changed, crate::common::pet("p-3")]).await).await;
    assert_eq!(status, 201);
    let stored: Vec<(String, String)> =
        sandbox.events().into_iter().map(|event| (event.id, event.tokens["petName"].clone())).collect();
    let expected = [("p-1", "Rex"), ("p-2", "Max"), ("p-3", "Rex")].map(|(id, name)| (id.to_owned(), name.to_owned()));
    assert_eq!(stored, expected);
}

#[tokio::test]
async fn invalid_templates_and_token_type_changes_get_400() {
    let sandbox = start().await;
    let base = format!("{}{APP}", sandbox.url());
    let reserved = json!({"name": "Bad", "objectType": "contacts",
        "tokens": [{"name": "objectId", "label": "Id", "type": "string"}]});
    let (status, body) = send(reqwest::Method::POST, base.clone(), Some(reserved)).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("reserved"), "{body}");

    let no_options = json!({"name": "Bad", "objectType": "contacts",
        "tokens": [{"name": "kind", "label": "Kind", "type": "enumeration", "options": []}]});
    let (status, _) = send(reqwest::Method::POST, base.clone(), Some(no_options)).await;
    assert_eq!(status, 400);

    let retype = json!({"id": PET, "name": "Pet adopted",
        "tokens": [{"name": "petAge", "label": "Age", "type": "string", "options": []}]});
    let (status, body) = send(reqwest::Method::PUT, format!("{base}/{PET}"), Some(retype)).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("cannot change"), "{body}");
}

#[tokio::test]
async fn tokens_can_be_created_updated_and_deleted_and_events_follow_them() {
    let sandbox = start().await;
    let tokens = format!("{}{APP}/{PET}/tokens", sandbox.url());

    let token = json!({"name": "color", "label": "Color", "type": "enumeration",
        "options": [{"label": "Black", "value": "black"}]});
    let (status, created) = send(reqwest::Method::POST, tokens.clone(), Some(token)).await;
    assert_eq!(status, 200);
    assert_eq!(created["name"], "color");

    let mut input = crate::common::pet("colored");
    input["tokens"]["color"] = json!("white");
    let (status, _) = status_and_json(crate::common::batch(&sandbox, vec![input.clone()]).await).await;
    assert_eq!(status, 207);

    let update = json!({"label": "Coat color", "options": [{"label": "Black", "value": "black"}, {"label": "White", "value": "white"}]});
    let (status, updated) = send(reqwest::Method::PUT, format!("{tokens}/color"), Some(update)).await;
    assert_eq!(status, 200);
    assert_eq!(updated["label"], "Coat color");
    let (status, _) = status_and_json(crate::common::batch(&sandbox, vec![input.clone()]).await).await;
    assert_eq!(status, 201);

    let (status, _) = send(reqwest::Method::DELETE, format!("{tokens}/color"), None).await;
    assert_eq!(status, 204);
    let (status, body) = status_and_json(crate::common::batch(&sandbox, vec![input]).await).await;
    assert_eq!(status, 207);
    assert_eq!(body["errors"][0]["errors"][0]["code"], "UNKNOWN_TOKEN");
    let (status, _) = send(reqwest::Method::DELETE, format!("{tokens}/color"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn template_routes_take_a_hapikey_or_a_bearer_token_and_nothing_else() {
    let sandbox = start().await;
    let url = format!("{}{APP}", sandbox.url());
    let bearer = client().get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(bearer.status().as_u16(), 200);
    let (status, body) = status_and_json(client().get(&url).send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(body["category"], "INVALID_AUTHENTICATION");
}

#[tokio::test]
async fn a_configured_app_id_refuses_other_apps() {
    let sandbox = crate::common::builder().app_id(123).start().await.unwrap();
    let (status, _) = send(reqwest::Method::GET, format!("{}{APP}", sandbox.url()), None).await;
    assert_eq!(status, 200);
    let other = format!("{}/integrators/timeline/v3/456/event-templates", sandbox.url());
    let (status, body) = send(reqwest::Method::GET, other, None).await;
    assert_eq!(status, 404);
    assert_eq!(body["category"], "OBJECT_NOT_FOUND");
}

#[tokio::test]
async fn an_app_id_outside_int32_gets_400() {
    let sandbox = start().await;
    let app = |app_id: &str| format!("{}/integrators/timeline/v3/{app_id}/event-templates", sandbox.url());
    for app_id in ["2147483648", "4294967295", "-2147483649", "12abc", "1.5"] {
        let (status, body) = send(reqwest::Method::GET, app(app_id), None).await;
        assert_eq!(status, 400, "{app_id}: {body}");
        assert_eq!(body["category"], "VALIDATION_ERROR", "{app_id}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(app_id) && message.contains("int32"), "{message}");
    }
    let token = json!({"name": "color", "label": "Color", "type": "string"});
    let (status, _) = send(reqwest::Method::POST, format!("{}/{PET}/tokens", app("2147483648")), Some(token)).await;
    assert_eq!(status, 400);
    let (status, _) = send(reqwest::Method::GET, app("2147483647"), None).await;
    assert_eq!(status, 200);
}
