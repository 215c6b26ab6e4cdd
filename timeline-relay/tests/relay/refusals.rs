//! Requests the relay refuses whole: each with its status and HubSpot's
//! `Error` body, and nothing stored.

use serde_json::json;

use crate::common::{BATCH, DEAL, SINGLE, Setup, TOKEN, assert_matches_schema, pet, start};

/// A request the relay must refuse, and how.
struct Refused {
    what: &'static str,
    path: &'static str,
    token: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    category: &'static str,
}

#[tokio::test]
async fn refused_requests_get_hubspot_shaped_errors_and_store_nothing() {
    let harness = start(Setup { checked: true, max_body_bytes: Some(2_048), ..Setup::default() }).await;
    let batch = json!({ "inputs": [pet("r-1")] }).to_string().into_bytes();
    let over_limit = json!({ "inputs": [pet("r-2")], "padding": "x".repeat(4_096) }).to_string().into_bytes();
    let deal_by_email =
        json!({ "eventTemplateId": DEAL, "id": "d-1", "email": "ada@example.com", "tokens": {"amount": "5"} });
    let refused = |what, path, token, body, status, category| Refused { what, path, token, body, status, category };
    let cases = [
        refused("no token", BATCH, None, batch.clone(), 401, "INVALID_AUTHENTICATION"),
        refused("an unknown token", BATCH, Some("token-999"), batch.clone(), 401, "INVALID_AUTHENTICATION"),
        refused("a body over the limit", BATCH, Some(TOKEN), over_limit, 413, "VALIDATION_ERROR"),
        refused("a body that is not JSON", BATCH, Some(TOKEN), b"{\"inputs\": [".to_vec(), 400, "VALIDATION_ERROR"),
        refused("a batch without inputs", BATCH, Some(TOKEN), b"{\"inputs\": []}".to_vec(), 400, "VALIDATION_ERROR"),
        refused(
            "a timeline path HubSpot does not have",
            "/integrators/timeline/v3/events/batch/update/all",
            Some(TOKEN),
            batch,
            404,
            "OBJECT_NOT_FOUND",
        ),
        refused(
            "a deal template's event by email",
            SINGLE,
            Some(TOKEN),
            deal_by_email.to_string().into_bytes(),
            400,
            "VALIDATION_ERROR",
        ),
    ];
    for case in cases {
        let (status, answer) = harness.post_bytes(case.path, case.token, case.body).await;
        let what = case.what;
        assert_eq!(status, case.status, "{what}: {answer:#}");
        assert_matches_schema("timeline-v3.json", "Error", &answer);
        assert_eq!(answer["category"], case.category, "{what}: {answer:#}");
        assert!(!answer["message"].as_str().unwrap().is_empty(), "{what}");
    }
    let counts = harness.counts().await;
    assert_eq!((counts.pending, counts.claimed, counts.delivered, counts.dead), (0, 0, 0, 0), "{counts:?}");
    assert_eq!(harness.sandbox.stats().inputs_received, 0);
}
