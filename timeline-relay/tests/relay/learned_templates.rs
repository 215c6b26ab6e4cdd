//! A relay without definition files learns templates from HubSpot: asked
//! with a developer key, or from the template calls that pass through it;
//! inputs of a template it learned are checked at the edge and answered
//! with its object type, the others go to HubSpot unchecked.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{APP_ID, BATCH, PET, Setup, TOKEN, pet, start};

/// A pet input whose `petAge` is not a number.
fn three_years_old(id: &str) -> Value {
    let mut input = pet(id);
    input["tokens"]["petAge"] = json!("three");
    input
}

#[tokio::test]
async fn a_template_asked_of_hubspot_once_checks_every_later_input_at_the_edge() {
    let harness = start(Setup { template_source: true, ..Setup::default() }).await;
    let batch = json!({ "inputs": [pet("asked-1"), three_years_old("asked-2")] });
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &batch).await;
    assert_eq!(status, 207, "{answer:#}");
    assert_eq!(answer["results"][0]["id"], "asked-1");
    let object_type = harness.sandbox.templates().into_iter().find(|template| template.id == PET).unwrap().object_type;
    assert_eq!(answer["results"][0]["objectType"], object_type, "the learned template says it");
    assert_eq!(answer["errors"][0]["context"]["id"][0], "asked-2", "{answer:#}");
    assert_eq!(harness.sandbox.stats().inputs_received, 1, "the invalid input never left the relay");

    let requests = harness.sandbox.stats().requests;
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet("asked-3")] })).await;
    assert_eq!(status, 201, "{answer:#}");
    assert_eq!(harness.sandbox.stats().requests, requests + 1, "the batch alone: the template is remembered");
}

#[tokio::test]
async fn a_template_that_passed_through_the_relay_checks_later_inputs_at_the_edge() {
    let harness = start(Setup::default()).await;
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [three_years_old("passed-1")] })).await;
    assert_eq!(status, 207, "unchecked, HubSpot refuses it: {answer:#}");
    assert_eq!(harness.sandbox.stats().inputs_received, 1);
    assert_eq!(harness.counts().await.dead, 1);

    let template = format!("/integrators/timeline/v3/{APP_ID}/event-templates/{PET}");
    let (status, body) = harness.call(&harness.url, Method::GET, &template, Some(TOKEN), None).await;
    assert_eq!(status, 200, "{body}");
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [three_years_old("passed-2")] })).await;
    assert_eq!(status, 207, "{answer:#}");
    assert_eq!(answer["errors"][0]["context"]["id"][0], "passed-2", "{answer:#}");
    assert_eq!(harness.sandbox.stats().inputs_received, 1, "refused at the edge now");
    assert_eq!(harness.counts().await.dead, 1, "and never stored");
}
