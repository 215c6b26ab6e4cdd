//! App events: the single and batch routes on both paths, `types/projects`,
//! atomic refusals, 409s, accounts, the shared rate limit and faults.

use serde_json::{Value, json};
use timeline_sandbox::{Fault, Faults, RateLimit, Sandbox};

use crate::common::{
    APP_EVENT, APP_EVENT_BATCH, WEBINAR, app_batch, app_batch_as, app_builder, batch_as, client, pet, post_json,
    status_and_json, webinar,
};

async fn start() -> Sandbox {
    app_builder().start().await.unwrap()
}

#[tokio::test]
async fn a_batch_is_stored_and_answered_with_every_occurrence() {
    let sandbox = start().await;
    let (status, body) = status_and_json(app_batch(&sandbox, vec![webinar("w-1"), webinar("w-2")]).await).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["status"], "COMPLETE");
    let ids: Vec<&str> =
        body["results"].as_array().unwrap().iter().map(|result| result["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["w-1", "w-2"]);
    assert_eq!(body["results"][0]["properties"]["webinarType"], "ama");
    for field in ["startedAt", "completedAt", "requestedAt"] {
        assert!(body[field].is_string(), "{field}: {body:#}");
    }
    let stored = sandbox.app_event(WEBINAR, "w-2").unwrap();
    assert_eq!(stored.object_id.as_deref(), Some("5120345"));
    assert_eq!(stored.properties["seats"], "40");
    assert_eq!(sandbox.app_events().len(), 2);
    assert_eq!(sandbox.stats().inputs_stored, 2);
}

#[tokio::test]
async fn the_single_route_answers_201_with_the_occurrence() {
    let sandbox = start().await;
    let mut occurrence = webinar("one");
    occurrence.as_object_mut().unwrap().remove("timestamp");
    let (status, body) = status_and_json(post_json(&sandbox, APP_EVENT, &occurrence).await).await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["id"], "one");
    assert_eq!(body["eventTypeName"], WEBINAR);
    assert!(body["timestamp"].is_string(), "a missing timestamp is the time of storing: {body:#}");
    let stored = sandbox.app_event(WEBINAR, "one").unwrap().timestamp.unwrap();
    let answered: chrono::DateTime<chrono::Utc> = body["timestamp"].as_str().unwrap().parse().unwrap();
    assert_eq!(stored, answered, "the answer shows the occurrence as stored");
}

#[tokio::test]
async fn the_v4_paths_answer_like_the_date_versioned_ones() {
    let sandbox = start().await;
    let (status, _) =
        status_and_json(post_json(&sandbox, "/integrators/timeline/v4/events", &webinar("v4-single")).await).await;
    assert_eq!(status, 201);
    let body = json!({"inputs": [webinar("v4-batch")]});
    let (status, answer) =
        status_and_json(post_json(&sandbox, "/integrators/timeline/v4/events/batch", &body).await).await;
    assert_eq!(status, 200, "{answer:#}");
    let resolve = json!({"developerSymbol": WEBINAR, "projectName": "my-project"});
    let (status, resolved) =
        status_and_json(post_json(&sandbox, "/integrators/timeline/v4/types/projects", &resolve).await).await;
    assert_eq!(status, 200);
    assert_eq!(resolved["fullyQualifiedName"], "app1-webinar_registered");
    assert!(sandbox.app_event(WEBINAR, "v4-single").is_some() && sandbox.app_event(WEBINAR, "v4-batch").is_some());
}

#[tokio::test]
async fn the_fully_qualified_name_names_the_same_type() {
    let sandbox = app_builder().app_id(4242).start().await.unwrap();
    let name = sandbox.app_event_type_name(WEBINAR).unwrap();
    assert_eq!(name, "app4242-webinar_registered");
    let resolve = json!({"developerSymbol": WEBINAR, "projectName": "any"});
    let (status, resolved) =
        status_and_json(post_json(&sandbox, "/integrators/timeline/2026-03/types/projects", &resolve).await).await;
    assert_eq!((status, resolved["fullyQualifiedName"].as_str()), (200, Some(name.as_str())));
    assert_eq!(resolved["developerQualifiedSymbol"], json!({"developerSymbol": WEBINAR, "projectName": "any"}));

    let mut occurrence = webinar("by-fqn");
    occurrence["eventTypeName"] = json!(name);
    assert_eq!(app_batch(&sandbox, vec![occurrence]).await.status().as_u16(), 200);
    assert_eq!(sandbox.app_event(WEBINAR, "by-fqn").unwrap().event_type_name, name);
    assert!(sandbox.app_event(&name, "by-fqn").is_some());
    // The same id under the other name is the same occurrence.
    let (status, _) = status_and_json(app_batch(&sandbox, vec![webinar("by-fqn")]).await).await;
    assert_eq!(status, 409);
    assert_eq!(sandbox.app_event_received(WEBINAR, "by-fqn"), 2);
}

#[tokio::test]
async fn types_projects_answers_404_for_unknown_coordinates() {
    let sandbox = app_builder().app_event_project("webinars").start().await.unwrap();
    let path = "/integrators/timeline/2026-03/types/projects";
    let known = json!({"developerSymbol": WEBINAR, "projectName": "webinars"});
    assert_eq!(post_json(&sandbox, path, &known).await.status().as_u16(), 200);
    for unknown in [
        json!({"developerSymbol": "no_such_type", "projectName": "webinars"}),
        json!({"developerSymbol": WEBINAR, "projectName": "other"}),
        json!({"developerSymbol": "app1-webinar_registered", "projectName": "webinars"}),
    ] {
        let (status, body) = status_and_json(post_json(&sandbox, path, &unknown).await).await;
        assert_eq!(status, 404, "{unknown}");
        assert_eq!(body["category"], "OBJECT_NOT_FOUND");
    }
    let (status, body) = status_and_json(post_json(&sandbox, path, &json!({"projectName": "webinars"})).await).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("developerSymbol"), "{body:#}");
}

#[tokio::test]
async fn one_invalid_occurrence_refuses_the_whole_batch_naming_it() {
    let sandbox = start().await;
    let mut bad = webinar("bad");
    bad["properties"]["webinarType"] = json!("keynote");
    let (status, body) = status_and_json(app_batch(&sandbox, vec![webinar("good"), bad]).await).await;
    assert_eq!(status, 400, "{body:#}");
    assert_eq!(body["status"], "error");
    assert_eq!(body["category"], "VALIDATION_ERROR");
    assert!(body["correlationId"].is_string());
    assert!(body["message"].as_str().unwrap().contains("1 of 2"), "{body:#}");
    assert_eq!(body["context"]["indexes"], json!(["1"]));
    assert_eq!(body["context"]["ids"], json!(["bad"]));
    let detail = &body["errors"][0];
    assert_eq!(detail["in"], "inputs[1].properties.webinarType");
    assert_eq!(detail["code"], "INVALID_PROPERTY_VALUE");
    assert_eq!(detail["context"], json!({"index": ["1"], "id": ["bad"]}));
    assert!(detail["message"].as_str().unwrap().contains("ama, demo"), "{detail:#}");
    assert!(sandbox.app_events().is_empty(), "nothing of a refused batch is stored");
    assert_eq!(sandbox.app_event_received(WEBINAR, "good"), 1);
    let stats = sandbox.stats();
    assert_eq!((stats.inputs_received, stats.inputs_stored, stats.inputs_rejected), (2, 0, 2));
}

/// Sends one occurrence alone in a batch and returns the 400's details as (`in`, `code`).
async fn problems_of(sandbox: &Sandbox, occurrence: Value) -> Vec<(String, String)> {
    let (status, body) = status_and_json(app_batch(sandbox, vec![occurrence.clone()]).await).await;
    assert_eq!(status, 400, "{occurrence}: {body:#}");
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|detail| (detail["in"].as_str().unwrap().to_owned(), detail["code"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn occurrences_are_checked_against_their_type() {
    let sandbox = start().await;
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut occurrence = webinar("checked");
        edit(&mut occurrence);
        occurrence
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(&|o| o["eventTypeName"] = json!("webinar_cancelled")), "inputs[0].eventTypeName", "UNKNOWN_EVENT_TYPE"),
        (with(&|o| o["properties"]["room"] = json!("A")), "inputs[0].properties.room", "UNKNOWN_PROPERTY"),
        (with(&|o| o["properties"]["seats"] = json!("many")), "inputs[0].properties.seats", "INVALID_PROPERTY_VALUE"),
        (with(&|o| o["properties"]["seats"] = json!(40)), "inputs[0].properties.seats", "INVALID_PROPERTY_TYPE"),
        (
            with(&|o| o["properties"]["webinarName"] = json!(true)),
            "inputs[0].properties.webinarName",
            "INVALID_PROPERTY_TYPE",
        ),
        (
            with(&|o| o["properties"]["startsOn"] = json!("soon")),
            "inputs[0].properties.startsOn",
            "INVALID_PROPERTY_VALUE",
        ),
        (
            with(&|o| o["properties"]["webinarType"] = json!("AMA")),
            "inputs[0].properties.webinarType",
            "INVALID_PROPERTY_VALUE",
        ),
        (with(&|o| drop(o.as_object_mut().unwrap().remove("id"))), "inputs[0].id", "REQUIRED"),
        (with(&|o| o["id"] = json!("")), "inputs[0].id", "INVALID_ID"),
        (with(&|o| o["id"] = json!(7)), "inputs[0].id", "INVALID_TYPE"),
        (with(&|o| drop(o.as_object_mut().unwrap().remove("properties"))), "inputs[0].properties", "REQUIRED"),
        (with(&|o| drop(o.as_object_mut().unwrap().remove("eventTypeName"))), "inputs[0].eventTypeName", "REQUIRED"),
        (with(&|o| drop(o.as_object_mut().unwrap().remove("objectId"))), "inputs[0].objectId", "MISSING_TARGET"),
        (
            with(&|o| o["objectTypeFullyQualifiedName"] = json!("p1_shipments")),
            "inputs[0].objectTypeFullyQualifiedName",
            "TARGET_NOT_ALLOWED",
        ),
        (with(&|o| o["timestamp"] = json!("yesterday")), "inputs[0].timestamp", "INVALID_TIMESTAMP"),
        (with(&|o| o["email"] = json!("not-an-email")), "inputs[0].email", "INVALID_EMAIL"),
        (with(&|o| o["tokens"] = json!({})), "inputs[0].tokens", "UNKNOWN_FIELD"),
        (
            with(&|o| o["timelineIFrame"] = json!({"url": "https://x.test"})),
            "inputs[0].timelineIFrame.linkLabel",
            "INCOMPLETE_IFRAME",
        ),
        (json!("not an object"), "inputs[0]", "INVALID_INPUT"),
    ];
    for (occurrence, location, code) in cases {
        let problems = problems_of(&sandbox, occurrence.clone()).await;
        assert!(
            problems.iter().any(|(found_in, found_code)| found_in == location && found_code == code),
            "{occurrence}: expected {code} at {location}, got {problems:?}"
        );
    }
    assert!(sandbox.app_events().is_empty());

    // The same kinds accept their values.
    let mut fine = webinar("fine");
    fine["properties"] = json!({"seats": "-12.5", "startsOn": "2026-05-04", "webinarType": "demo"});
    assert_eq!(app_batch(&sandbox, vec![fine]).await.status().as_u16(), 200);
}

#[tokio::test]
async fn target_rules_follow_the_types_objects() {
    let sandbox = start().await;
    let contact = |target: Value| {
        let mut occurrence = json!({"eventTypeName": WEBINAR, "id": format!("c-{target}"), "properties": {}});
        occurrence.as_object_mut().unwrap().extend(target.as_object().unwrap().clone());
        occurrence
    };
    for target in [json!({"email": "ada@example.com"}), json!({"utk": "abc123"}), json!({"objectId": "51"})] {
        assert_eq!(app_batch(&sandbox, vec![contact(target.clone())]).await.status().as_u16(), 200, "{target}");
    }
    let deal = |extra: Value| {
        let mut occurrence =
            json!({"eventTypeName": "deal_won", "id": format!("d-{extra}"), "properties": {"amount": "12"}});
        occurrence.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        occurrence
    };
    assert_eq!(app_batch(&sandbox, vec![deal(json!({"objectId": "9"}))]).await.status().as_u16(), 200);
    for (extra, location) in [
        (json!({"objectId": "9", "email": "ada@example.com"}), "inputs[0].email"),
        (json!({"objectId": "9", "utk": "abc"}), "inputs[0].utk"),
        (json!({"email": "ada@example.com"}), "inputs[0].objectId"),
    ] {
        let problems = problems_of(&sandbox, deal(extra.clone())).await;
        assert!(problems.iter().any(|(found_in, _)| found_in == location), "{extra}: {problems:?}");
    }
    let shipment = |extra: Value| {
        let mut occurrence =
            json!({"eventTypeName": "shipment_sent", "id": format!("s-{extra}"), "properties": {"carrier": "UPS"}});
        occurrence.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        occurrence
    };
    let full = json!({"objectId": "77", "objectTypeFullyQualifiedName": "p62515_shipments"});
    assert_eq!(app_batch(&sandbox, vec![shipment(full)]).await.status().as_u16(), 200);
    let problems = problems_of(&sandbox, shipment(json!({"objectId": "77"}))).await;
    assert_eq!(problems, [("inputs[0].objectTypeFullyQualifiedName".to_owned(), "MISSING_TARGET".to_owned())]);
    assert_eq!(sandbox.app_events().len(), 5);
}

#[tokio::test]
async fn a_repeated_id_gets_409_naming_it_and_nothing_of_the_batch_is_stored() {
    let sandbox = start().await;
    assert_eq!(app_batch(&sandbox, vec![webinar("first")]).await.status().as_u16(), 200);
    let (status, body) = status_and_json(app_batch(&sandbox, vec![webinar("new"), webinar("first")]).await).await;
    assert_eq!(status, 409, "{body:#}");
    assert_eq!(body["status"], "error");
    assert_eq!(body["context"]["ids"], json!(["first"]));
    assert_eq!(body["errors"][0]["in"], "inputs[1].id");
    assert!(body["message"].as_str().unwrap().contains("first"));
    assert!(sandbox.app_event(WEBINAR, "new").is_none(), "a 409 stores nothing");
    assert_eq!(sandbox.app_event_received(WEBINAR, "first"), 2, "the repeat is counted although refused");

    let (status, single) = status_and_json(post_json(&sandbox, APP_EVENT, &webinar("first")).await).await;
    assert_eq!(status, 409);
    assert_eq!(single["errors"][0]["in"], "id");
    // The stored occurrence is unchanged and another type may use the id.
    assert_eq!(sandbox.app_events().len(), 1);
    let deal = json!({"eventTypeName": "deal_won", "id": "first", "objectId": "9", "properties": {}});
    assert_eq!(app_batch(&sandbox, vec![deal]).await.status().as_u16(), 200);
}

#[tokio::test]
async fn a_409_can_leave_the_ids_unnamed() {
    let sandbox = app_builder().app_event_conflicts_name_ids(false).start().await.unwrap();
    assert_eq!(app_batch(&sandbox, vec![webinar("hidden")]).await.status().as_u16(), 200);
    let (status, body) = status_and_json(app_batch(&sandbox, vec![webinar("other"), webinar("hidden")]).await).await;
    assert_eq!(status, 409);
    assert!(!body.to_string().contains("hidden"), "the answer names no id: {body:#}");
    assert!(body.get("errors").is_none() && body.get("context").is_none());
    assert!(sandbox.app_event(WEBINAR, "other").is_none());
}

#[tokio::test]
async fn the_same_id_twice_in_one_batch_is_refused_whole() {
    let sandbox = start().await;
    let (status, body) =
        status_and_json(app_batch(&sandbox, vec![webinar("twice"), webinar("once"), webinar("twice")]).await).await;
    assert_eq!(status, 400, "{body:#}");
    assert_eq!(body["errors"][0]["code"], "DUPLICATE_ID");
    assert_eq!(body["errors"][0]["in"], "inputs[2].id");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("inputs[0]"));
    assert!(sandbox.app_events().is_empty());
    assert_eq!(sandbox.app_event_received(WEBINAR, "twice"), 2, "the sandbox sees the duplicate");
}

#[tokio::test]
async fn batches_above_the_limit_or_empty_are_refused() {
    let sandbox = app_builder().max_app_event_batch_inputs(3).start().await.unwrap();
    let inputs: Vec<Value> = (0..4).map(|index| webinar(&format!("big-{index}"))).collect();
    let (status, body) = status_and_json(app_batch(&sandbox, inputs).await).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("between 1 and 3"), "{body:#}");
    assert_eq!(app_batch(&sandbox, vec![]).await.status().as_u16(), 400);
    let inputs: Vec<Value> = (0..3).map(|index| webinar(&format!("fits-{index}"))).collect();
    assert_eq!(app_batch(&sandbox, inputs).await.status().as_u16(), 200);
    assert_eq!(sandbox.app_events().len(), 3);
    let (status, _) = status_and_json(post_json(&sandbox, APP_EVENT_BATCH, &json!({"input": []})).await).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn occurrences_belong_to_the_tokens_account() {
    let sandbox = app_builder().account_token(101, "tok-a").account_token(102, "tok-b").start().await.unwrap();
    assert_eq!(app_batch_as(&sandbox, "tok-a", vec![webinar("a-1"), webinar("a-2")]).await.status().as_u16(), 200);
    assert_eq!(app_batch_as(&sandbox, "tok-b", vec![webinar("b-1")]).await.status().as_u16(), 200);
    let ids = |occurrences: Vec<timeline_sandbox::AppEventOccurrence>| -> Vec<String> {
        occurrences.into_iter().map(|occurrence| occurrence.id).collect()
    };
    assert_eq!(ids(sandbox.app_events_in(101)), ["a-1", "a-2"]);
    assert_eq!(ids(sandbox.app_events_in(102)), ["b-1"]);
    assert_eq!(sandbox.account_stats(101).inputs_stored, 2);
    assert_eq!(sandbox.account_stats(102).inputs_stored, 1);
    // Ids are unique per type across accounts, as for v3 events.
    assert_eq!(app_batch_as(&sandbox, "tok-b", vec![webinar("a-1")]).await.status().as_u16(), 409);
    assert_eq!(app_batch_as(&sandbox, "unknown", vec![webinar("c-1")]).await.status().as_u16(), 401);

    let url = format!("{}/_sandbox/app-events?account=102", sandbox.url());
    let (status, body) = status_and_json(client().get(url).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert_eq!(body["results"][0]["id"], "b-1");
    let url = format!("{}/_sandbox/app-events?account=x", sandbox.url());
    assert_eq!(client().get(url).send().await.unwrap().status().as_u16(), 400);
}

#[tokio::test]
async fn app_events_share_the_accounts_rate_limit_with_v3_events() {
    let sandbox = app_builder()
        .account_token(101, "tok-a")
        .account_token(102, "tok-b")
        .rate_limit(RateLimit::new(3, std::time::Duration::from_secs(60)))
        .start()
        .await
        .unwrap();
    let http = client();
    assert_eq!(batch_as(&http, &sandbox, "tok-a", vec![pet("v3-1")]).await, 201);
    assert_eq!(batch_as(&http, &sandbox, "tok-a", vec![pet("v3-2")]).await, 201);
    let last = app_batch_as(&sandbox, "tok-a", vec![webinar("app-1")]).await;
    assert_eq!(last.status().as_u16(), 200);
    assert_eq!(last.headers()["x-hubspot-ratelimit-remaining"], "0");
    let refused = app_batch_as(&sandbox, "tok-a", vec![webinar("app-2")]).await;
    assert_eq!(refused.status().as_u16(), 429);
    assert_eq!(batch_as(&http, &sandbox, "tok-a", vec![pet("v3-3")]).await, 429);
    assert_eq!(app_batch_as(&sandbox, "tok-b", vec![webinar("b-1")]).await.status().as_u16(), 200);
    assert!(sandbox.app_event(WEBINAR, "app-2").is_none());
    assert_eq!(sandbox.account_stats(101).rate_limited, 2);
}

#[tokio::test]
async fn app_events_share_the_daily_limit() {
    let sandbox = app_builder().account_token(101, "tok-a").daily_limit(2).no_rate_limit().start().await.unwrap();
    assert_eq!(batch_as(&client(), &sandbox, "tok-a", vec![pet("v3-1")]).await, 201);
    assert_eq!(app_batch_as(&sandbox, "tok-a", vec![webinar("d-1")]).await.status().as_u16(), 200);
    let (status, body) = status_and_json(app_batch_as(&sandbox, "tok-a", vec![webinar("d-2")]).await).await;
    assert_eq!((status, body["policyName"].as_str()), (429, Some("DAILY")));
}

#[tokio::test]
async fn faults_apply_to_app_events() {
    let sandbox = start().await;
    sandbox.set_faults(Faults::none().schedule([Fault::Status(503), Fault::CloseAfterStore, Fault::Pass]));
    let (status, body) = status_and_json(app_batch(&sandbox, vec![webinar("f-1")]).await).await;
    assert_eq!((status, body["category"].as_str()), (503, Some("SERVICE_UNAVAILABLE")));
    assert!(sandbox.app_event(WEBINAR, "f-1").is_none(), "an injected 503 stores nothing");

    let closed = client()
        .post(format!("{}{APP_EVENT_BATCH}", sandbox.url()))
        .bearer_auth("t")
        .json(&json!({"inputs": [webinar("f-2")]}))
        .send()
        .await;
    assert!(closed.is_err(), "the connection closes unanswered: {closed:?}");
    assert!(sandbox.app_event(WEBINAR, "f-2").is_some(), "stored before the connection closed");
    assert_eq!(sandbox.stats().connections_closed, 1);

    // The retry of the lost answer meets the stored occurrence.
    let (status, body) = status_and_json(app_batch(&sandbox, vec![webinar("f-2")]).await).await;
    assert_eq!(status, 409, "{body:#}");
    assert_eq!(sandbox.app_event_received(WEBINAR, "f-2"), 2);
}

#[tokio::test]
async fn inspection_routes_show_occurrences_and_receive_counts_and_reset_clears_them() {
    let sandbox = start().await;
    assert_eq!(app_batch(&sandbox, vec![webinar("i-1")]).await.status().as_u16(), 200);
    assert_eq!(app_batch(&sandbox, vec![webinar("i-1")]).await.status().as_u16(), 409);
    let mut unknown = webinar("u-1");
    unknown["eventTypeName"] = json!("nope");
    assert_eq!(app_batch(&sandbox, vec![unknown]).await.status().as_u16(), 400);

    let get = |path: &str| client().get(format!("{}{path}", sandbox.url())).send();
    let (_, stored) = status_and_json(get("/_sandbox/app-events").await.unwrap()).await;
    assert_eq!(stored["results"].as_array().unwrap().len(), 1);
    assert_eq!(stored["results"][0]["properties"]["webinarName"], "Q2 roadmap");
    let (_, received) = status_and_json(get("/_sandbox/app-events/received").await.unwrap()).await;
    assert_eq!(
        received["results"],
        json!([
            {"eventTypeName": "nope", "id": "u-1", "count": 1},
            {"eventTypeName": WEBINAR, "id": "i-1", "count": 2},
        ])
    );
    assert_eq!(sandbox.app_event_received_counts().len(), 2);

    assert_eq!(client().post(format!("{}/_sandbox/reset", sandbox.url())).send().await.unwrap().status().as_u16(), 204);
    assert!(sandbox.app_events().is_empty());
    assert_eq!(sandbox.app_event_received(WEBINAR, "i-1"), 0);
    assert_eq!(app_batch(&sandbox, vec![webinar("i-1")]).await.status().as_u16(), 200, "reset forgets the id");
}

#[tokio::test]
async fn app_event_routes_need_a_bearer_token() {
    let sandbox = start().await;
    let url = format!("{}{APP_EVENT_BATCH}?hapikey=dev-key", sandbox.url());
    let (status, body) =
        status_and_json(client().post(url).json(&json!({"inputs": [webinar("k")]})).send().await.unwrap()).await;
    assert_eq!((status, body["category"].as_str()), (401, Some("INVALID_AUTHENTICATION")));
    let url = format!("{}/integrators/timeline/2026-03/types/projects?hapikey=dev-key", sandbox.url());
    let resolve = json!({"developerSymbol": WEBINAR, "projectName": "p"});
    assert_eq!(client().post(url).json(&resolve).send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn broken_definitions_stop_the_start() {
    let dir = std::env::temp_dir().join(format!("sandbox-app-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken-hsmeta.json");
    std::fs::write(&file, r#"{"uid": "x", "type": "app-event", "config": {"name": "X", "objectType": "LEAD"}}"#)
        .unwrap();
    let error = Sandbox::builder().app_events_from_dir(&dir).start().await.unwrap_err().to_string();
    std::fs::write(
        &file,
        r#"{"uid": "x", "type": "app-event", "config": {"name": "X", "objectType": "DEAL",
            "properties": [{"name": "k", "type": "enumeration", "options": []}]}}"#,
    )
    .unwrap();
    let no_options = Sandbox::builder().app_events_from_dir(&dir).start().await.unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(error.contains("broken-hsmeta.json") && error.contains("CONTACT, COMPANY"), "{error}");
    assert!(no_options.contains("needs at least one option"), "{no_options}");

    let definition = timeline_template::definition::parse(
        r#"{"uid": "dup", "type": "app-event", "config": {"name": "D", "objectType": "TICKET"}}"#,
    )
    .unwrap();
    let twice = Sandbox::builder().app_event_type(definition.clone()).app_event_type(definition).start().await;
    assert!(twice.unwrap_err().to_string().contains("`dup` is defined twice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_batches_with_the_same_ids_store_each_once() {
    const RACERS: usize = 8;
    let sandbox = std::sync::Arc::new(start().await);
    let mut tasks = tokio::task::JoinSet::new();
    for racer in 0..RACERS {
        let sandbox = sandbox.clone();
        tasks.spawn(async move {
            // Every racer sends the shared ids and one id of its own.
            let inputs = vec![webinar("shared-1"), webinar(&format!("own-{racer}")), webinar("shared-2")];
            app_batch_as(&sandbox, &format!("racer-{racer}"), inputs).await.status().as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(done) = tasks.join_next().await {
        statuses.push(done.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409], "one batch wins, the rest are refused whole");
    let stored = sandbox.app_events();
    assert_eq!(stored.len(), 3, "{stored:?}");
    assert_eq!(stored.iter().filter(|occurrence| occurrence.id.starts_with("own-")).count(), 1);
    assert_eq!(sandbox.app_event_received(WEBINAR, "shared-1"), RACERS as u64);
}
