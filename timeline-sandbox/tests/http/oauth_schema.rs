//! The sandbox's OAuth 2026-03 answers validate against the schemas of
//! HubSpot's `oauth-2026-03.json`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{assert_matches_schema, builder, schema_validator, status_and_json};
use crate::oauth_2026_03::{Form, INTROSPECT, REVOKE, TOKEN, exchange, introspect, post_form, refresh, revoke, start};

/// HubSpot's OAuth 2026-03 file.
const FILE: &str = "oauth-2026-03.json";

/// Checks `instance` against the schema `name` of the OAuth file.
fn assert_matches(name: &str, instance: &Value) {
    assert_matches_schema(FILE, name, instance);
}

/// Checks a token answer against the endpoint's schema and its variant.
fn assert_token_answer(instance: &Value) {
    assert_matches("TokenResponseIF", instance);
    assert_matches("AccessTokenResponse", instance);
}

/// Checks an introspection answer against the endpoint's schema and `variant`.
fn assert_token_info(variant: &str, instance: &Value) {
    assert_matches("TokenInfoResponseBaseIF", instance);
    assert_matches(variant, instance);
}

#[tokio::test]
async fn token_answers_of_both_grants_match_the_token_response() {
    let sandbox = start().await;
    let (status, issued) = exchange(&sandbox, TOKEN, &sandbox.authorization_code(101)).await;
    assert_eq!(status, 200, "{issued}");
    assert_token_answer(&issued);
    let (status, renewed) = refresh(&sandbox, TOKEN, issued["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{renewed}");
    assert_token_answer(&renewed);
}

#[tokio::test]
async fn every_refusal_matches_the_error_schema() {
    let sandbox = start().await;
    let grant = sandbox.grant(101);
    let refusals: [(&str, Form); 9] = [
        (
            TOKEN,
            &[("grant_type", "refresh_token"), ("refresh_token", "r"), ("client_id", "cid"), ("client_secret", "x")],
        ),
        (TOKEN, &[("grant_type", "authorization_code"), ("client_id", "cid"), ("client_secret", "secret")]),
        (
            TOKEN,
            &[("grant_type", "authorization_code"), ("code", "c"), ("client_id", "cid"), ("client_secret", "secret")],
        ),
        (TOKEN, &[("grant_type", "client_credentials"), ("client_id", "cid"), ("client_secret", "secret")]),
        (INTROSPECT, &[("token", "t"), ("client_id", "nobody"), ("client_secret", "secret")]),
        (INTROSPECT, &[("client_id", "cid"), ("client_secret", "secret")]),
        (REVOKE, &[("token", &grant.access_token), ("client_id", "cid"), ("client_secret", "secret")]),
        (REVOKE, &[("token", "unknown"), ("client_id", "cid"), ("client_secret", "secret")]),
        (REVOKE, &[("token", &grant.refresh_token), ("client_secret", "secret")]),
    ];
    let mut codes = Vec::new();
    for (path, form) in refusals {
        let (status, body) = status_and_json(post_form(&sandbox, path, form).await).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_matches("Error", &body);
        codes.push(body["subCategory"].as_str().unwrap().to_owned());
    }
    let expected = [
        "invalid_client",
        "invalid_request",
        "invalid_grant",
        "unsupported_grant_type",
        "invalid_client",
        "invalid_request",
        "invalid_request",
        "invalid_grant",
        "invalid_client",
    ];
    assert_eq!(codes, expected);

    let (status, not_found) = introspect(&sandbox, INTROSPECT, "unknown").await;
    assert_eq!(status, 404, "{not_found}");
    assert_matches("Error", &not_found);
}

#[tokio::test]
async fn introspection_answers_match_their_variants() {
    let sandbox = start().await;
    let active = sandbox.grant(101);
    let revoked = sandbox.grant(102);
    sandbox.revoke(102);

    let (status, body) = introspect(&sandbox, INTROSPECT, &active.access_token).await;
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
    assert_token_info("PublicAccessTokenInfoResponse", &body);
    let (status, body) = introspect(&sandbox, INTROSPECT, &active.refresh_token).await;
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
    assert_token_info("PublicRefreshTokenInfoResponse", &body);
    let (status, body) = introspect(&sandbox, INTROSPECT, &revoked.access_token).await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    assert_token_info("PublicAccessTokenInfoResponse", &body);
    assert_eq!(revoke(&sandbox, REVOKE, &active.refresh_token).await.0, 204);
    let (status, body) = introspect(&sandbox, INTROSPECT, &active.refresh_token).await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    assert_token_info("PublicRefreshTokenInfoResponse", &body);

    let expiring = builder().oauth_client("cid", "secret").access_token_ttl(Duration::ZERO).start().await.unwrap();
    let (status, body) = introspect(&expiring, INTROSPECT, &expiring.grant(101).access_token).await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    assert_token_info("PublicAccessTokenInfoResponse", &body);
}

#[test]
fn the_schema_check_catches_a_wrong_shape() {
    let token_answer = json!({"access_token": "a", "refresh_token": "r", "expires_in": 1800, "token_type": "bearer",
                              "token_use": "access_token", "hub_id": 101});
    let tokens = schema_validator(FILE, "TokenResponseIF");
    assert!(tokens.is_valid(&token_answer));
    let mut without_refresh = token_answer.clone();
    without_refresh.as_object_mut().unwrap().remove("refresh_token");
    assert!(!tokens.is_valid(&without_refresh), "an access_token answer needs its refresh token");
    let mut hub_as_text = token_answer;
    hub_as_text["hub_id"] = json!("101");
    assert!(!tokens.is_valid(&hub_as_text));

    let info = schema_validator(FILE, "TokenInfoResponseBaseIF");
    let refresh_info = json!({"token_use": "refresh_token", "active": true, "app_id": 1, "client_id": "c",
                              "hub_id": 101, "scopes": [], "token": "r", "token_type": "refresh", "user_id": 1});
    assert!(info.is_valid(&refresh_info));
    let mut as_access = refresh_info;
    as_access["token_use"] = json!("access_token");
    assert!(!info.is_valid(&as_access), "an access token's information needs its signed claims");

    let error = schema_validator(FILE, "Error");
    let refusal = json!({"category": "VALIDATION_ERROR", "subCategory": "invalid_grant", "message": "m",
                         "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf"});
    assert!(error.is_valid(&refusal));
    let plain_oauth = json!({"error": "invalid_grant", "error_description": "unknown refresh token"});
    assert!(!error.is_valid(&plain_oauth), "OAuth's own error body is not HubSpot's");
    let mut code_as_number = refusal;
    code_as_number["subCategory"] = json!(400);
    assert!(!error.is_valid(&code_as_number));
}
