//! OAuth 2026-03: the token grants, introspection and revocation of refresh
//! tokens, HubSpot's `Error` refusals with the OAuth code as `subCategory`,
//! revocation's effects on both APIs, and the counters.

use std::time::Duration;

use serde_json::{Value, json};
use timeline_sandbox::{DEFAULT_ACCOUNT, Sandbox, Stats};

use crate::common::{builder, client, pet, status_and_json};

/// The token endpoint.
pub const TOKEN: &str = "/oauth/2026-03/token";
/// The introspection endpoint.
pub const INTROSPECT: &str = "/oauth/2026-03/token/introspect";
/// The revocation endpoint.
pub const REVOKE: &str = "/oauth/2026-03/token/revoke";

/// The fields of a form body.
pub type Form<'a> = &'a [(&'a str, &'a str)];

/// A sandbox whose OAuth client is `cid` / `secret`, with app id 4242.
pub async fn start() -> Sandbox {
    builder().oauth_client("cid", "secret").app_id(4242).start().await.unwrap()
}

/// Posts `form` to `path` as a form body.
pub async fn post_form(sandbox: &Sandbox, path: &str, form: Form<'_>) -> reqwest::Response {
    client().post(format!("{}{path}", sandbox.url())).form(form).send().await.unwrap()
}

/// Exchanges `code` at `path` with the right client.
pub async fn exchange(sandbox: &Sandbox, path: &str, code: &str) -> (u16, Value) {
    let form =
        [("grant_type", "authorization_code"), ("code", code), ("client_id", "cid"), ("client_secret", "secret")];
    status_and_json(post_form(sandbox, path, &form).await).await
}

/// Refreshes `refresh_token` at `path` with the right client.
pub async fn refresh(sandbox: &Sandbox, path: &str, refresh_token: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", "cid"),
        ("client_secret", "secret"),
    ];
    status_and_json(post_form(sandbox, path, &form).await).await
}

/// Introspects `token` at `path` with the right client.
pub async fn introspect(sandbox: &Sandbox, path: &str, token: &str) -> (u16, Value) {
    let form = [("token", token), ("client_id", "cid"), ("client_secret", "secret")];
    status_and_json(post_form(sandbox, path, &form).await).await
}

/// Revokes `token` at `path` with the right client: the status and the body as text.
pub async fn revoke(sandbox: &Sandbox, path: &str, token: &str) -> (u16, String) {
    let form =
        [("token", token), ("token_type_hint", "refresh_token"), ("client_id", "cid"), ("client_secret", "secret")];
    let response = post_form(sandbox, path, &form).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Sends one event with `token` and returns the status.
async fn send_event(sandbox: &Sandbox, token: &str, id: &str) -> u16 {
    let url = format!("{}/integrators/timeline/v3/events/batch/create", sandbox.url());
    let response = client().post(url).bearer_auth(token).json(&json!({"inputs": [pet(id)]})).send().await.unwrap();
    response.status().as_u16()
}

/// Whether `text` is a UUID in its usual spelling.
fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(at, char)| match at {
            8 | 13 | 18 | 23 => char == '-',
            _ => char.is_ascii_hexdigit(),
        })
}

/// Checks a refusal: HubSpot's `Error` body with this `category` and the
/// OAuth error `code` as `subCategory`.
fn assert_refused(status: u16, body: &Value, expected_status: u16, category: &str, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!((&body["category"], &body["subCategory"]), (&json!(category), &json!(code)), "{body}");
    assert!(body["correlationId"].as_str().is_some_and(is_uuid), "{body}");
    assert!(body["message"].as_str().is_some_and(|message| !message.is_empty()), "{body}");
}

/// The message of a refusal.
fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn both_grants_answer_tokens_with_the_account_and_the_user() {
    let sandbox = start().await;
    let code = sandbox.authorization_code(101);
    let (status, mut body) = exchange(&sandbox, TOKEN, &code).await;
    assert_eq!(status, 200, "{body}");
    let tokens = body.as_object_mut().unwrap();
    let access_token = tokens.remove("access_token").unwrap().as_str().unwrap().to_owned();
    let refresh_token = tokens.remove("refresh_token").unwrap().as_str().unwrap().to_owned();
    assert_eq!(
        body,
        json!({"expires_in": 1800, "token_type": "bearer", "token_use": "access_token", "hub_id": 101,
               "user_id": 1, "scopes": ["timeline"]})
    );
    assert_eq!(send_event(&sandbox, &access_token, "via-2026-03").await, 201);
    assert_eq!(sandbox.events_in(101).len(), 1);
    let (status, body) = exchange(&sandbox, TOKEN, &code).await;
    assert_refused(status, &body, 400, "VALIDATION_ERROR", "invalid_grant");

    let (status, renewed) = refresh(&sandbox, TOKEN, &refresh_token).await;
    assert_eq!((status, &renewed["hub_id"], &renewed["user_id"]), (200, &json!(101), &json!(1)), "{renewed}");
    assert_eq!(renewed["refresh_token"], json!(refresh_token), "the same refresh token");
    assert_ne!(renewed["access_token"], json!(access_token));
    assert_eq!(send_event(&sandbox, renewed["access_token"].as_str().unwrap(), "renewed").await, 201);

    let (status, spelt_v3) = refresh(&sandbox, "/oauth/v3/token", &refresh_token).await;
    assert_eq!((status, &spelt_v3["hub_id"]), (200, &json!(101)), "{spelt_v3}");
    let (status, v1) = refresh(&sandbox, "/oauth/v1/token", &refresh_token).await;
    assert_eq!(status, 200, "{v1}");
    assert!(v1.get("user_id").is_none(), "v1 answers as before: {v1}");

    let stats = sandbox.stats();
    assert_eq!((stats.token_request_count("authorization_code"), stats.token_request_count("refresh_token")), (2, 3));
    assert_eq!(stats.token_request_2026_03_count("authorization_code"), 2);
    assert_eq!(stats.token_request_2026_03_count("refresh_token"), 2, "the v1 refresh is not counted here");
    assert_eq!(stats.tokens_issued, 4);
    assert_eq!(sandbox.account_stats(101).token_request_2026_03_count("refresh_token"), 2);
}

#[tokio::test]
async fn token_refusals_carry_the_oauth_code_and_quote_what_was_presented() {
    let sandbox = builder().oauth_client("cid", "secret").account(101).start().await.unwrap();
    let code = sandbox.authorization_code(101);
    let cases: [(Form, &str, &str, &str); 7] = [
        (
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "rt-bait"),
                ("client_id", "other"),
                ("client_secret", "s-bait"),
            ],
            "INVALID_AUTHENTICATION",
            "invalid_client",
            "s-bait",
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", "cid"),
                ("client_secret", "wrong-bait"),
            ],
            "INVALID_AUTHENTICATION",
            "invalid_client",
            "wrong-bait",
        ),
        (
            &[("grant_type", "authorization_code"), ("client_id", "cid"), ("client_secret", "secret")],
            "VALIDATION_ERROR",
            "invalid_request",
            "`secret`",
        ),
        (
            &[("grant_type", "refresh_token"), ("client_id", "cid"), ("client_secret", "secret")],
            "VALIDATION_ERROR",
            "invalid_request",
            "`secret`",
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("code", "code-bait"),
                ("client_id", "cid"),
                ("client_secret", "secret"),
            ],
            "VALIDATION_ERROR",
            "invalid_grant",
            "code-bait",
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "rt-bait"),
                ("client_id", "cid"),
                ("client_secret", "secret"),
            ],
            "VALIDATION_ERROR",
            "invalid_grant",
            "rt-bait",
        ),
        (
            &[("grant_type", "client_credentials"), ("client_id", "cid"), ("client_secret", "secret")],
            "VALIDATION_ERROR",
            "unsupported_grant_type",
            "`secret`",
        ),
    ];
    for (form, category, code, bait) in cases {
        let response = post_form(&sandbox, TOKEN, form).await;
        let header = response.headers()["x-hubspot-correlation-id"].to_str().unwrap().to_owned();
        let (status, body) = status_and_json(response).await;
        assert_refused(status, &body, 400, category, code);
        assert_eq!(body["correlationId"], json!(header));
        assert!(message(&body).contains(bait), "{code}: the message quotes {bait}: {body}");
    }

    let json_body = client().post(format!("{}{TOKEN}", sandbox.url())).json(&json!({"grant_type": "x"}));
    let (status, body) = status_and_json(json_body.send().await.unwrap()).await;
    assert_refused(status, &body, 400, "VALIDATION_ERROR", "invalid_request");

    let unconfigured = builder().start().await.unwrap();
    let (status, body) = exchange(&unconfigured, TOKEN, "any").await;
    assert_refused(status, &body, 400, "INVALID_AUTHENTICATION", "invalid_client");

    assert_eq!(sandbox.stats().token_requests_2026_03.values().sum::<u64>(), 8);
    assert_eq!(sandbox.stats().tokens_issued, 0);
}

#[tokio::test]
async fn a_throttled_2026_03_token_request_gets_the_rate_limit_answer() {
    let sandbox = start().await;
    let grant = sandbox.grant(101);
    sandbox.throttle_token_endpoint(1, Duration::from_millis(2_500));
    let throttled = post_form(
        &sandbox,
        TOKEN,
        &[("grant_type", "refresh_token"), ("refresh_token", &grant.refresh_token), ("client_id", "cid")],
    )
    .await;
    assert_eq!((throttled.status().as_u16(), &throttled.headers()["retry-after"]), (429, &"3".parse().unwrap()));
    let body: Value = throttled.json().await.unwrap();
    assert_eq!((&body["errorType"], &body["policyName"]), (&json!("RATE_LIMIT"), &json!("TEN_SECONDLY_ROLLING")));
    assert_eq!(refresh(&sandbox, TOKEN, &grant.refresh_token).await.0, 200);
    let stats = sandbox.account_stats(101);
    assert_eq!((stats.token_request_2026_03_count("refresh_token"), stats.status_count(429)), (2, 1));
}

#[tokio::test]
async fn introspection_tells_refresh_tokens_and_access_tokens_apart() {
    let sandbox =
        builder().oauth_client("cid", "secret").app_id(4242).account_token(102, "tok-b").start().await.unwrap();
    let before = chrono::Utc::now().timestamp_millis();
    let grant = sandbox.grant(101);

    let (status, body) = introspect(&sandbox, INTROSPECT, &grant.refresh_token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"token_use": "refresh_token", "active": true, "app_id": 4242, "client_id": "cid",
               "hub_domain": "account-101.example.com", "hub_id": 101, "scopes": ["timeline"],
               "token": grant.refresh_token, "token_type": "refresh", "user": "sandbox@example.com", "user_id": 1})
    );

    let form = [
        ("token", grant.access_token.as_str()),
        ("token_type_hint", "refresh_token"),
        ("client_id", "cid"),
        ("client_secret", "secret"),
    ];
    let (status, mut body) = status_and_json(post_form(&sandbox, INTROSPECT, &form).await).await;
    let after = chrono::Utc::now().timestamp_millis();
    assert_eq!(status, 200, "{body}");
    let info = body.as_object_mut().unwrap();
    let expires_in = info.remove("expires_in").unwrap().as_i64().unwrap();
    assert!((1..=1800).contains(&expires_in), "{expires_in}");
    let mut claims = info.remove("signed_access_token").unwrap();
    assert_eq!(
        body,
        json!({"token_use": "access_token", "active": true, "app_id": 4242, "client_id": "cid",
               "hub_domain": "account-101.example.com", "hub_id": 101, "is_private_distribution": false,
               "scopes": ["timeline"], "token": grant.access_token, "token_type": "access",
               "user": "sandbox@example.com", "user_id": 1}),
        "the hint is not needed"
    );
    let expires_at = claims.as_object_mut().unwrap().remove("expiresAt").unwrap().as_i64().unwrap();
    assert!((before + 1_799_000..=after + 1_800_000).contains(&expires_at), "{expires_at} after {before}");
    for signature in ["signature", "newSignature"] {
        assert!(claims[signature].as_str().is_some_and(|text| text.len() > 8), "{claims}");
        claims.as_object_mut().unwrap().remove(signature);
    }
    assert_eq!(
        claims,
        json!({"appId": 4242, "appInstallId": "4242-101", "audience": "cid", "hubId": 101, "hublet": "na1",
               "installingUserId": 1, "isPrivateDistribution": false, "isServiceAccount": false,
               "isUserLevel": false, "scopeToScopeGroupPks": "timeline:1", "scopes": "timeline",
               "trialScopeToScopeGroupPks": "", "trialScopes": "", "userId": 1})
    );

    let (status, body) = introspect(&sandbox, "/oauth/v3/token/introspect", "tok-b").await;
    assert_eq!((status, &body["active"], &body["hub_id"]), (200, &json!(true), &json!(102)), "{body}");
    assert_eq!(body["expires_in"], 1800, "a token that never expires has a whole TTL left");

    let open = builder().oauth_client("cid", "secret").start().await.unwrap();
    let (status, body) = introspect(&open, INTROSPECT, "any-token").await;
    assert_eq!((status, &body["token_use"], &body["hub_id"]), (200, &json!("access_token"), &json!(DEFAULT_ACCOUNT)));
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_inactive() {
    let expiring = builder().oauth_client("cid", "secret").access_token_ttl(Duration::ZERO).start().await.unwrap();
    let expired = expiring.grant(101);
    let (status, body) = introspect(&expiring, INTROSPECT, &expired.access_token).await;
    assert_eq!((status, &body["token_use"]), (200, &json!("access_token")), "{body}");
    assert_eq!((&body["active"], &body["expires_in"], &body["hub_id"]), (&json!(false), &json!(0), &json!(101)));
    assert!(body["signed_access_token"]["expiresAt"].is_i64(), "{body}");

    let sandbox = start().await;
    let revoked = sandbox.grant(101);
    sandbox.revoke(101);
    let (status, body) = introspect(&sandbox, INTROSPECT, &revoked.access_token).await;
    assert_eq!((status, &body["active"], &body["expires_in"]), (200, &json!(false), &json!(0)), "{body}");
    let (status, body) = introspect(&sandbox, INTROSPECT, &revoked.refresh_token).await;
    assert_eq!((status, &body["token_use"], &body["active"]), (200, &json!("refresh_token"), &json!(false)));
}

#[tokio::test]
async fn introspection_refusals_and_counts() {
    let sandbox = start().await;
    let grant = sandbox.grant(101);
    let form = [("token", grant.refresh_token.as_str()), ("client_id", "cid"), ("client_secret", "s-bait")];
    let (status, body) = status_and_json(post_form(&sandbox, INTROSPECT, &form).await).await;
    assert_refused(status, &body, 400, "INVALID_AUTHENTICATION", "invalid_client");
    assert!(message(&body).contains("s-bait") && message(&body).contains(&grant.refresh_token), "{body}");
    let (status, body) = status_and_json(post_form(&sandbox, INTROSPECT, &[("token", "t")]).await).await;
    assert_refused(status, &body, 400, "INVALID_AUTHENTICATION", "invalid_client");
    let form = [("client_id", "cid"), ("client_secret", "secret")];
    let (status, body) = status_and_json(post_form(&sandbox, INTROSPECT, &form).await).await;
    assert_refused(status, &body, 400, "VALIDATION_ERROR", "invalid_request");

    let (status, body) = introspect(&sandbox, INTROSPECT, "stranger").await;
    assert_eq!((status, &body["category"]), (404, &json!("OBJECT_NOT_FOUND")), "{body}");
    assert!(body["correlationId"].as_str().is_some_and(is_uuid), "{body}");

    assert_eq!(introspect(&sandbox, INTROSPECT, &grant.access_token).await.0, 200);
    assert_eq!(sandbox.stats().introspection_requests, 5);
    let mine = sandbox.account_stats(101);
    assert_eq!((mine.introspection_requests, mine.status_count(200), mine.status_count(400)), (2, 1, 1));
}

#[tokio::test]
async fn a_revoked_refresh_token_refreshes_nowhere_while_its_access_tokens_live_on() {
    let sandbox = start().await;
    let grant = sandbox.grant(101);
    let sibling = sandbox.grant(101);
    let (status, body) = revoke(&sandbox, REVOKE, &grant.refresh_token).await;
    assert_eq!((status, body.as_str()), (204, ""));
    assert_eq!(revoke(&sandbox, "/oauth/v3/token/revoke", &grant.refresh_token).await.0, 204, "again");

    let (status, body) = refresh(&sandbox, TOKEN, &grant.refresh_token).await;
    assert_refused(status, &body, 400, "VALIDATION_ERROR", "invalid_grant");
    assert!(message(&body).contains("revoked"), "{body}");
    let (status, body) = refresh(&sandbox, "/oauth/v1/token", &grant.refresh_token).await;
    assert_eq!((status, &body["error"], &body["status"]), (400, &json!("invalid_grant"), &json!("BAD_REFRESH_TOKEN")));
    let (status, body) = introspect(&sandbox, INTROSPECT, &grant.refresh_token).await;
    assert_eq!((status, &body["token_use"], &body["active"]), (200, &json!("refresh_token"), &json!(false)));

    let (status, body) = introspect(&sandbox, INTROSPECT, &grant.access_token).await;
    assert_eq!((status, &body["active"]), (200, &json!(true)), "{body}");
    assert_eq!(send_event(&sandbox, &grant.access_token, "still-valid").await, 201);
    assert_eq!(refresh(&sandbox, TOKEN, &sibling.refresh_token).await.0, 200, "the account's other grant goes on");

    let stats = sandbox.account_stats(101);
    assert_eq!((stats.revocation_requests, stats.status_count(204)), (2, 2));
    assert_eq!(sandbox.stats().revocation_requests, 2);
}

#[tokio::test]
async fn revocation_refusals() {
    let sandbox = builder().oauth_client("cid", "secret").account_token(102, "tok-b").start().await.unwrap();
    let grant = sandbox.grant(101);
    for access_token in [grant.access_token.as_str(), "tok-b"] {
        let form = [("token", access_token), ("client_id", "cid"), ("client_secret", "secret")];
        let (status, body) = status_and_json(post_form(&sandbox, REVOKE, &form).await).await;
        assert_refused(status, &body, 400, "VALIDATION_ERROR", "invalid_request");
        assert!(message(&body).contains("only refresh tokens"), "{body}");
    }
    let form = [("token", "rt-bait"), ("client_id", "cid"), ("client_secret", "secret")];
    let (status, body) = status_and_json(post_form(&sandbox, REVOKE, &form).await).await;
    assert_refused(status, &body, 400, "VALIDATION_ERROR", "invalid_grant");
    assert!(message(&body).contains("rt-bait"), "{body}");
    let form = [("token", grant.refresh_token.as_str()), ("client_id", "cid"), ("client_secret", "no")];
    let (status, body) = status_and_json(post_form(&sandbox, REVOKE, &form).await).await;
    assert_refused(status, &body, 400, "INVALID_AUTHENTICATION", "invalid_client");
    let (status, body) =
        status_and_json(post_form(&sandbox, REVOKE, &[("client_id", "cid"), ("client_secret", "secret")]).await).await;
    assert_refused(status, &body, 400, "VALIDATION_ERROR", "invalid_request");
    assert_eq!(refresh(&sandbox, TOKEN, &grant.refresh_token).await.0, 200, "no refusal revoked anything");
    assert_eq!(sandbox.account_stats(101).revocation_requests, 2, "its access token and its refresh token");

    let open = builder().oauth_client("cid", "secret").start().await.unwrap();
    assert_eq!(revoke(&open, REVOKE, "any").await.0, 204, "without registration any token is the default account's");
    let (status, body) = refresh(&open, TOKEN, "any").await;
    assert_refused(status, &body, 400, "VALIDATION_ERROR", "invalid_grant");
    assert_eq!(open.account_stats(DEFAULT_ACCOUNT).revocation_requests, 1, "without registration it is the default's");
}

#[tokio::test]
async fn the_new_counters_are_visible_over_http_and_reset_clears_them() {
    let sandbox = start().await;
    let grant = sandbox.grant(101);
    refresh(&sandbox, TOKEN, &grant.refresh_token).await;
    introspect(&sandbox, INTROSPECT, &grant.refresh_token).await;
    revoke(&sandbox, REVOKE, &grant.refresh_token).await;

    let url = format!("{}/_sandbox/stats", sandbox.url());
    let stats: Value = client().get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["tokenRequests"], json!({"refresh_token": 1}));
    assert_eq!(stats["tokenRequests2026_03"], json!({"refresh_token": 1}));
    assert_eq!((&stats["introspectionRequests"], &stats["revocationRequests"]), (&json!(1), &json!(1)));
    let account: Stats = client().get(format!("{url}?account=101")).send().await.unwrap().json().await.unwrap();
    assert_eq!(account, sandbox.account_stats(101));
    assert_eq!((account.introspection_requests, account.revocation_requests), (1, 1));

    sandbox.reset();
    assert_eq!(sandbox.stats(), Stats::default());
}
