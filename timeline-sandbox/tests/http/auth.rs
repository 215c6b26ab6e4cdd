//! Bearer tokens on the event routes and the OAuth token endpoint.

use std::time::Duration;

use serde_json::json;
use timeline_sandbox::wire::AccessTokenResponse;

use crate::common::{PET, builder, client, pet, status_and_json};

const BATCH: &str = "/integrators/timeline/v3/events/batch/create";

async fn send_with(sandbox: &timeline_sandbox::Sandbox, token: Option<&str>) -> (u16, serde_json::Value) {
    let mut request = client().post(format!("{}{BATCH}", sandbox.url())).json(&json!({"inputs": [pet("auth")]}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    status_and_json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn events_need_a_bearer_token_and_any_non_empty_one_is_accepted_by_default() {
    let sandbox = builder().start().await.unwrap();
    let (status, body) = send_with(&sandbox, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["category"], "INVALID_AUTHENTICATION");
    assert!(body["correlationId"].is_string());

    let hapikey = client()
        .post(format!("{}{BATCH}?hapikey=dev", sandbox.url()))
        .json(&json!({"inputs": [pet("auth")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(hapikey.status().as_u16(), 401);

    let (status, _) = send_with(&sandbox, Some("whatever")).await;
    assert_eq!(status, 201);
    assert_eq!(sandbox.events().len(), 1);
}

#[tokio::test]
async fn configured_tokens_are_the_only_valid_ones() {
    let sandbox = builder().access_tokens(["good"]).start().await.unwrap();
    let (status, body) = send_with(&sandbox, Some("bad")).await;
    assert_eq!(status, 401);
    assert_eq!(body["category"], "INVALID_AUTHENTICATION");
    let (status, _) = send_with(&sandbox, Some("good")).await;
    assert_eq!(status, 201);
    assert_eq!(sandbox.stats().status_count(401), 1);
}

async fn token_request(sandbox: &timeline_sandbox::Sandbox, form: &[(&str, &str)]) -> reqwest::Response {
    client().post(format!("{}/oauth/v1/token", sandbox.url())).form(form).send().await.unwrap()
}

#[tokio::test]
async fn the_refresh_flow_issues_tokens_that_work_until_they_expire() {
    let sandbox = builder().access_tokens(["static"]).oauth_client("cid", "secret").start().await.unwrap();
    let code = token_request(
        &sandbox,
        &[("grant_type", "authorization_code"), ("client_id", "cid"), ("client_secret", "secret"), ("code", "c-1")],
    )
    .await;
    assert_eq!(code.status().as_u16(), 200);
    let first: AccessTokenResponse = code.json().await.unwrap();
    assert_eq!(first.expires_in, 1800);
    assert_eq!(first.token_type, "bearer");
    let refresh_token = first.refresh_token.clone().unwrap();

    let refreshed = token_request(
        &sandbox,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "cid"),
            ("client_secret", "secret"),
            ("refresh_token", &refresh_token),
        ],
    )
    .await;
    let second: AccessTokenResponse = refreshed.json().await.unwrap();
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(send_with(&sandbox, Some(&second.access_token)).await.0, 201);
    assert_eq!(sandbox.stats().tokens_issued, 2);
}

#[tokio::test]
async fn expired_issued_tokens_are_refused_even_when_any_token_is_accepted() {
    let sandbox = builder().oauth_client("cid", "secret").access_token_ttl(Duration::ZERO).start().await.unwrap();
    let response = token_request(
        &sandbox,
        &[("grant_type", "refresh_token"), ("client_id", "cid"), ("client_secret", "secret"), ("refresh_token", "r")],
    )
    .await;
    let issued: AccessTokenResponse = response.json().await.unwrap();
    assert_eq!(issued.expires_in, 0);

    let (status, body) = send_with(&sandbox, Some(&issued.access_token)).await;
    assert_eq!(status, 401);
    assert_eq!(body["category"], "EXPIRED_AUTHENTICATION");
    assert!(sandbox.event(PET, "auth").is_none());
}

#[tokio::test]
async fn the_token_endpoint_refuses_bad_clients_and_grants() {
    let sandbox = builder().oauth_client("cid", "secret").start().await.unwrap();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("grant_type", "refresh_token"), ("client_id", "x"), ("client_secret", "secret"), ("refresh_token", "r")],
            "BAD_CLIENT_ID",
        ),
        (
            &[("grant_type", "refresh_token"), ("client_id", "cid"), ("client_secret", "x"), ("refresh_token", "r")],
            "BAD_CLIENT_SECRET",
        ),
        (&[("grant_type", "refresh_token"), ("client_id", "cid"), ("client_secret", "secret")], "BAD_REFRESH_TOKEN"),
        (&[("grant_type", "password"), ("client_id", "cid"), ("client_secret", "secret")], "BAD_GRANT_TYPE"),
    ];
    for (form, expected) in cases {
        let (status, body) = status_and_json(token_request(&sandbox, form).await).await;
        assert_eq!(status, 400, "{expected}");
        assert_eq!(body["status"], expected);
    }
    let unconfigured = builder().start().await.unwrap();
    let (status, body) =
        status_and_json(token_request(&unconfigured, &[("grant_type", "refresh_token"), ("refresh_token", "r")]).await)
            .await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], "BAD_CLIENT_ID");
}

#[tokio::test]
async fn token_refusals_echo_the_credentials_the_request_presented() {
    let sandbox = builder().oauth_client("cid", "secret").start().await.unwrap();
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", "cid"),
        ("client_secret", "wrong-secret-1f"),
        ("refresh_token", "refresh-token-2e"),
    ];
    let (status, body) = status_and_json(token_request(&sandbox, &refresh).await).await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], "BAD_CLIENT_SECRET");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("`wrong-secret-1f`") && message.contains("`refresh-token-2e`"), "{message}");
    assert!(message.contains("cid"), "{message}");

    let code =
        [("grant_type", "authorization_code"), ("client_id", "other"), ("client_secret", "s-3d"), ("code", "code-4c")];
    let (status, body) = status_and_json(token_request(&sandbox, &code).await).await;
    assert_eq!((status, &body["status"]), (400, &json!("BAD_CLIENT_ID")));
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("`s-3d`") && message.contains("`code-4c`"), "{message}");
}
