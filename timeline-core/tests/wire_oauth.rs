//! The OAuth wire model against HubSpot's published 2026-03 OAuth file:
//! every schema of the file has a model, every model filled in writes
//! exactly the keys its schema has (nested objects too) with the values its
//! enums allow, and HubSpot's bodies of each schema read back.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};
use timeline_core::wire::{
    AccessTokenResponse, ApiError, ClientCredentialsTokenResponse, ErrorDetail, PublicAccessTokenInfoResponse,
    PublicRefreshTokenInfoResponse, SignedAccessToken, TokenInfoResponse,
};

const OPENAPI: &str = include_str!("../../reference/openapi/oauth-2026-03.json");

/// The OAuth file, parsed.
fn spec() -> Value {
    serde_json::from_str(OPENAPI).unwrap()
}

/// The schema `name` of the file.
fn schema_named(spec: &Value, name: &str) -> Value {
    let schema = spec["components"]["schemas"][name].clone();
    assert!(schema.is_object(), "the OAuth file has no schema {name}");
    schema
}

/// The schema a property refers to, itself or through its items.
fn referenced(spec: &Value, property: &Value) -> Option<Value> {
    let reference = property["$ref"].as_str().or_else(|| property["items"]["$ref"].as_str())?;
    Some(schema_named(spec, reference.rsplit('/').next().unwrap()))
}

/// What keeps `json` from being `schema` (none when it is): a key the
/// schema lacks, a required key missing, a value outside its enum, and the
/// same for every nested object the schema refers to. With `whole`, every
/// key the schema has must be there too. A `oneOf` schema needs exactly one
/// of its variants to fit.
fn problems(spec: &Value, at: &str, schema: &Value, json: &Value, whole: bool) -> Vec<String> {
    if let Some(variants) = schema["oneOf"].as_array() {
        let fitting = variants
            .iter()
            .filter(|variant| problems(spec, at, &referenced(spec, variant).unwrap(), json, whole).is_empty())
            .count();
        return if fitting == 1 { Vec::new() } else { vec![format!("{at}: fits {fitting} variants of oneOf, not 1")] };
    }
    let Some(object) = json.as_object() else { return vec![format!("{at}: {json} is not an object")] };
    let properties = schema["properties"].as_object().unwrap();
    let allowed: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
    let required: BTreeSet<&str> = match schema["required"].as_array() {
        Some(required) => required.iter().map(|key| key.as_str().unwrap()).collect(),
        None => BTreeSet::new(),
    };
    let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
    let mut found = Vec::new();
    let unknown: Vec<_> = keys.difference(&allowed).collect();
    if !unknown.is_empty() {
        found.push(format!("{at}: keys not in the spec: {unknown:?}"));
    }
    let expected = if whole { &allowed } else { &required };
    let missing: Vec<_> = expected.difference(&keys).collect();
    if !missing.is_empty() {
        found.push(format!("{at}: keys missing: {missing:?}"));
    }
    for (key, value) in object {
        let property = &schema["properties"][key];
        if let Some(allowed_values) = property["enum"].as_array()
            && !allowed_values.contains(value)
        {
            found.push(format!("{at}.{key}: {value} is not one of {allowed_values:?}"));
        }
        if let Some(nested) = referenced(spec, property) {
            match value {
                Value::Array(items) => {
                    assert!(!items.is_empty(), "{at}.{key}: give the test an item to check");
                    for item in items {
                        found.extend(problems(spec, &format!("{at}.{key}[]"), &nested, item, whole));
                    }
                }
                other => found.extend(problems(spec, &format!("{at}.{key}"), &nested, other, whole)),
            }
        }
    }
    found
}

/// Checks `json` against the schema `name`: every key it has when `whole`,
/// its required keys otherwise.
fn assert_fits(name: &str, json: &Value, whole: bool) {
    let spec = spec();
    let found = problems(&spec, name, &schema_named(&spec, name), json, whole);
    assert!(found.is_empty(), "{found:#?}\n{json:#}");
}

/// `value` as JSON.
fn written<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

/// A token answer of the `authorization_code` or `refresh_token` grant, every field set.
fn access_token_answer() -> AccessTokenResponse {
    let mut answer = AccessTokenResponse::new("CJSP5qf1KhICAQEYs-gDIIGOBii1", 1800);
    answer.refresh_token = Some("6f18f21e-a743-4509-b7fd-1a5e632fffa1".into());
    answer.token_use = Some("access_token".into());
    answer.hub_id = Some(62515);
    answer.user_id = Some(4512987);
    answer.scopes = Some(vec!["oauth".into(), "timeline".into()]);
    answer.id_token = Some("eyJhbGciOiJSUzI1NiJ9.e30.c2ln".into());
    answer
}

/// A token answer of the `client_credentials` grant, every field it has set.
fn client_credentials_answer() -> ClientCredentialsTokenResponse {
    let mut answer = access_token_answer();
    answer.refresh_token = None;
    answer.token_use = Some("client_credentials".into());
    answer
}

/// An access token's signed claims, every field set.
fn signed_claims() -> SignedAccessToken {
    let mut claims = SignedAccessToken::default();
    claims.app_id = 4242;
    claims.app_install_id = "4242-62515".into();
    claims.audience = "3f2b8f1c-client".into();
    claims.expires_at = 1_777_887_900_000;
    claims.hub_id = 62515;
    claims.hublet = "na1".into();
    claims.installing_user_id = 4512987;
    claims.is_private_distribution = false;
    claims.is_service_account = false;
    claims.is_user_level = false;
    claims.new_signature = "bmV3LXNpZ25hdHVyZQ".into();
    claims.scope_to_scope_group_pks = "25,31".into();
    claims.scopes = "timeline,oauth".into();
    claims.signature = "c2lnbmF0dXJl".into();
    claims.trial_scope_to_scope_group_pks = "".into();
    claims.trial_scopes = "".into();
    claims.user_id = 4512987;
    claims
}

/// An access token's information, every field set.
fn access_token_info() -> TokenInfoResponse {
    let mut info = PublicAccessTokenInfoResponse::new("CJSP5qf1KhICAQEYs-gDIIGOBii1", 62515, 1794);
    info.app_id = 4242;
    info.client_id = "3f2b8f1c-client".into();
    info.hub_domain = Some("demo.hubspot.com".into());
    info.scopes = vec!["oauth".into(), "timeline".into()];
    info.signed_access_token = Some(signed_claims());
    info.user = Some("ada@example.com".into());
    info.user_id = 4512987;
    TokenInfoResponse::Access(info)
}

/// A refresh token's information, every field set.
fn refresh_token_info() -> TokenInfoResponse {
    let mut info = PublicRefreshTokenInfoResponse::new("6f18f21e-a743-4509-b7fd-1a5e632fffa1", 62515);
    info.app_id = 4242;
    info.client_id = "3f2b8f1c-client".into();
    info.hub_domain = Some("demo.hubspot.com".into());
    info.scopes = vec!["oauth".into(), "timeline".into()];
    info.user = Some("ada@example.com".into());
    info.user_id = 4512987;
    TokenInfoResponse::Refresh(info)
}

/// An error detail, every field set.
fn error_detail() -> ErrorDetail {
    let mut detail = ErrorDetail::new("refresh_token is missing");
    detail.code = Some("MISSING".into());
    detail.in_ = Some("refresh_token".into());
    detail.sub_category = Some("invalid_request".into());
    detail.context = Some([("field".to_owned(), vec!["refresh_token".to_owned()])].into());
    detail
}

/// HubSpot's `Error`, every field of the file set (the older shape's
/// `status` is not one of them).
fn api_error() -> ApiError {
    let mut error = ApiError::default();
    error.category = "VALIDATION_ERROR".into();
    error.correlation_id = "aeb5f871-7f07-4993-9211-075dc63e7cbf".into();
    error.message = "missing or unknown refresh_token".into();
    error.sub_category = Some("invalid_grant".into());
    error.context = Some([("grant_type".to_owned(), vec!["refresh_token".to_owned()])].into());
    error.links = Some([("knowledge-base".to_owned(), "https://www.hubspot.com/kb".to_owned())].into());
    error.errors = vec![error_detail()];
    error
}

/// Every schema of the file and the models that stand for it, written
/// fully filled in (an introspection answer's variant with its tag).
fn models_by_schema() -> BTreeMap<&'static str, Vec<Value>> {
    BTreeMap::from([
        ("AccessTokenResponse", vec![written(&access_token_answer())]),
        ("ClientCredentialsTokenResponse", vec![written(&client_credentials_answer())]),
        ("TokenResponseIF", vec![written(&access_token_answer()), written(&client_credentials_answer())]),
        ("PublicAccessTokenInfoResponse", vec![written(&access_token_info())]),
        ("PublicRefreshTokenInfoResponse", vec![written(&refresh_token_info())]),
        ("TokenInfoResponseBaseIF", vec![written(&access_token_info()), written(&refresh_token_info())]),
        ("SignedAccessToken", vec![written(&signed_claims())]),
        ("Error", vec![written(&api_error())]),
        ("ErrorDetail", vec![written(&error_detail())]),
    ])
}

#[test]
fn every_schema_of_the_oauth_file_has_a_model() {
    let spec = spec();
    let in_file: BTreeSet<&str> =
        spec["components"]["schemas"].as_object().unwrap().keys().map(String::as_str).collect();
    let models = models_by_schema();
    let modelled: BTreeSet<&str> = models.keys().copied().collect();
    let without_model: Vec<_> = in_file.difference(&modelled).collect();
    assert!(without_model.is_empty(), "schemas of the OAuth file without a checked model: {without_model:?}");
    let not_in_file: Vec<_> = modelled.difference(&in_file).collect();
    assert!(not_in_file.is_empty(), "models of schemas the file does not have: {not_in_file:?}");
}

#[test]
fn every_model_writes_exactly_the_keys_of_its_schema() {
    for (name, models) in models_by_schema() {
        for model in &models {
            assert_fits(name, model, true);
        }
    }
}

#[test]
fn the_models_made_by_their_constructors_write_every_required_key() {
    let mut access = PublicAccessTokenInfoResponse::new("at", 62515, 1800);
    access.signed_access_token = Some(SignedAccessToken::default());
    assert_fits("PublicAccessTokenInfoResponse", &written(&TokenInfoResponse::Access(access)), false);
    let refresh = PublicRefreshTokenInfoResponse::new("rt", 62515);
    assert_fits("PublicRefreshTokenInfoResponse", &written(&TokenInfoResponse::Refresh(refresh)), false);
    assert_fits("SignedAccessToken", &written(&SignedAccessToken::default()), true);
    let mut answer = AccessTokenResponse::new("at", 1800);
    answer.refresh_token = Some("rt".into());
    answer.token_use = Some("access_token".into());
    assert_fits("AccessTokenResponse", &written(&answer), false);
}

#[test]
fn the_check_catches_a_stray_key_a_missing_key_and_a_wrong_tag() {
    let spec = spec();
    let schema = schema_named(&spec, "TokenResponseIF");
    let mut answer = written(&access_token_answer());
    assert!(problems(&spec, "t", &schema, &answer, false).is_empty());
    answer["expiresIn"] = json!(1800);
    assert!(!problems(&spec, "t", &schema, &answer, false).is_empty(), "a camelCase key is not HubSpot's");
    let mut no_claims = written(&access_token_info());
    no_claims.as_object_mut().unwrap().remove("signed_access_token");
    assert!(!problems(&spec, "i", &schema_named(&spec, "PublicAccessTokenInfoResponse"), &no_claims, false).is_empty());
    let mut wrong_tag = written(&refresh_token_info());
    wrong_tag["token_use"] = json!("refresh");
    assert!(!problems(&spec, "i", &schema_named(&spec, "TokenInfoResponseBaseIF"), &wrong_tag, false).is_empty());
    let mut claims = written(&signed_claims());
    claims.as_object_mut().unwrap().remove("hublet");
    assert!(!problems(&spec, "s", &schema_named(&spec, "SignedAccessToken"), &claims, true).is_empty());
}

/// HubSpot's answer of the `refresh_token` grant.
const REFRESH_ANSWER: &str = r#"{"access_token":"CJSP5qf1KhICAQEYs-gDIIGOBii1","refresh_token":"6f18f21e-a743-4509-b7fd-1a5e632fffa1",
    "expires_in":1800,"token_type":"bearer","token_use":"access_token","hub_id":62515,"user_id":4512987,
    "scopes":["oauth","timeline"]}"#;

/// HubSpot's answer of the `client_credentials` grant.
const CLIENT_CREDENTIALS_ANSWER: &str = r#"{"access_token":"CNqA9cf1KhIDAQEYs","expires_in":1800,"token_type":"bearer",
    "token_use":"client_credentials","hub_id":62515,"scopes":["timeline"]}"#;

/// HubSpot's introspection of an access token.
const ACCESS_TOKEN_INFO: &str = r#"{"token_use":"access_token","active":true,"app_id":4242,"client_id":"3f2b8f1c-client",
    "expires_in":1794,"hub_domain":"demo.hubspot.com","hub_id":62515,"is_private_distribution":false,
    "scopes":["oauth","timeline"],"token":"CJSP5qf1KhICAQEYs-gDIIGOBii1","token_type":"access",
    "user":"ada@example.com","user_id":4512987,
    "signed_access_token":{"appId":4242,"appInstallId":"4242-62515","audience":"3f2b8f1c-client",
      "expiresAt":1777887900000,"hubId":62515,"hublet":"eu1","installingUserId":4512987,
      "isPrivateDistribution":false,"isServiceAccount":false,"isUserLevel":false,"newSignature":"bmV3",
      "scopeToScopeGroupPks":"25,31","scopes":"timeline,oauth","signature":"c2ln",
      "trialScopeToScopeGroupPks":"","trialScopes":"","userId":4512987}}"#;

/// HubSpot's introspection of a revoked refresh token.
const REFRESH_TOKEN_INFO: &str = r#"{"token_use":"refresh_token","active":false,"app_id":4242,"client_id":"3f2b8f1c-client",
    "hub_domain":"demo.hubspot.com","hub_id":62515,"scopes":["timeline"],
    "token":"6f18f21e-a743-4509-b7fd-1a5e632fffa1","token_type":"refresh","user":"ada@example.com","user_id":4512987}"#;

/// HubSpot's refusal of a revoked refresh token.
const REFUSAL: &str = r#"{"category":"VALIDATION_ERROR","correlationId":"aeb5f871-7f07-4993-9211-075dc63e7cbf",
    "message":"missing or unknown refresh_token","subCategory":"invalid_grant",
    "errors":[{"message":"refresh_token was revoked","in":"refresh_token","code":"REVOKED"}]}"#;

/// `text` parsed as JSON after checking it against the schema `name`.
fn example(name: &str, text: &str) -> Value {
    let body: Value = serde_json::from_str(text).unwrap();
    assert_fits(name, &body, false);
    body
}

#[test]
fn hubspots_token_answers_read_back() {
    let refreshed: AccessTokenResponse = serde_json::from_value(example("TokenResponseIF", REFRESH_ANSWER)).unwrap();
    assert_eq!(refreshed.refresh_token.as_deref(), Some("6f18f21e-a743-4509-b7fd-1a5e632fffa1"));
    assert_eq!((refreshed.expires_in, refreshed.hub_id, refreshed.user_id), (1800, Some(62515), Some(4512987)));
    assert_eq!(refreshed.token_use.as_deref(), Some("access_token"));
    assert!(refreshed.id_token.is_none());
    assert_eq!(written(&refreshed), serde_json::from_str::<Value>(REFRESH_ANSWER).unwrap(), "written back as read");

    let body = example("ClientCredentialsTokenResponse", CLIENT_CREDENTIALS_ANSWER);
    let client_credentials: ClientCredentialsTokenResponse = serde_json::from_value(body).unwrap();
    assert!(client_credentials.refresh_token.is_none());
    assert_eq!(client_credentials.token_use.as_deref(), Some("client_credentials"));
}

#[test]
fn hubspots_introspection_answers_read_back() {
    let access: TokenInfoResponse =
        serde_json::from_value(example("TokenInfoResponseBaseIF", ACCESS_TOKEN_INFO)).unwrap();
    let TokenInfoResponse::Access(info) = &access else { panic!("not an access token's: {access:?}") };
    assert!(access.is_active() && info.expires_in == 1794 && info.hub_domain.as_deref() == Some("demo.hubspot.com"));
    let claims = info.signed_access_token.as_ref().unwrap();
    assert_eq!((claims.hublet.as_str(), claims.expires_at, claims.app_id), ("eu1", 1_777_887_900_000, 4242));
    assert_eq!(written(&access), serde_json::from_str::<Value>(ACCESS_TOKEN_INFO).unwrap(), "written back as read");

    let refresh: TokenInfoResponse =
        serde_json::from_value(example("PublicRefreshTokenInfoResponse", REFRESH_TOKEN_INFO)).unwrap();
    let TokenInfoResponse::Refresh(info) = &refresh else { panic!("not a refresh token's: {refresh:?}") };
    assert!(!refresh.is_active());
    assert_eq!((refresh.hub_id(), info.token_type.as_str(), info.user_id), (62515, "refresh", 4512987));
}

#[test]
fn hubspots_errors_read_back() {
    let refusal: ApiError = serde_json::from_value(example("Error", REFUSAL)).unwrap();
    assert_eq!(
        (refusal.category.as_str(), refusal.sub_category.as_deref()),
        ("VALIDATION_ERROR", Some("invalid_grant"))
    );
    assert_eq!(refusal.errors[0].in_.as_deref(), Some("refresh_token"));

    let spec = spec();
    let files_example = &spec["components"]["schemas"]["Error"]["example"];
    assert_fits("Error", files_example, false);
    let from_file: ApiError = serde_json::from_value(files_example.clone()).unwrap();
    assert_eq!(from_file.correlation_id, "aeb5f871-7f07-4993-9211-075dc63e7cbf");
    assert_eq!(from_file.links.unwrap()["knowledge-base"], "https://www.hubspot.com/products/service/knowledge-base");
}
