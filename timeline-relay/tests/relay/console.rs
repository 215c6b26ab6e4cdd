//! The console over HTTP: off without an admin token; bearer tokens, the
//! login form, the session cookie and its CSRF token; a retry that makes a
//! dead letter deliverable again; escaping; the audit; no secret in any page.

use reqwest::header::{ACCEPT, AUTHORIZATION, COOKIE, LOCATION, SET_COOKIE, WWW_AUTHENTICATE};
use reqwest::redirect::Policy;
use serde_json::json;
use timeline_relay::Console;
use timeline_sandbox::{Fault, Faults};

use crate::common::{ACCOUNT, BATCH, Harness, PET, Setup, TOKEN, pet, start, wait_for};

/// The console's admin token in these tests.
pub const ADMIN: &str = "admin-7f3a9c1e5b2d4086";
/// The console's read-only token in these tests.
pub const READER: &str = "reader-0c4e8a2f6b1d3957";

/// A relay with a console (default settings but the tokens) whose first
/// delivery HubSpot refuses with a 403, so the first event sent is a dead letter.
pub async fn with_console(secure_cookies: bool) -> Harness {
    with_console_and(|setup| {
        let console = Console::builder(ADMIN).read_only_token(READER).secure_cookies(secure_cookies);
        setup.console = Some(console.build().unwrap());
    })
    .await
}

/// As [`with_console`] with `Secure` cookies, and the setup changed by `change`.
pub async fn with_console_and(change: impl FnOnce(&mut Setup)) -> Harness {
    let console = Console::builder(ADMIN).read_only_token(READER).build().unwrap();
    let faults = Faults::none().schedule([Fault::Status(403)]);
    let mut setup = Setup { console: Some(console), faults: Some(faults), ..Setup::default() };
    change(&mut setup);
    start(setup).await
}

/// Sends `id` as the relay's first event: a dead letter.
pub async fn dead_letter(harness: &Harness, id: &str) {
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet(id)] })).await;
    assert_eq!(status, 207, "{answer:#}");
    assert_eq!(harness.counts().await.dead, 1, "{answer:#}");
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

/// Gets `path` of the console with `headers`; status, headers and body.
async fn get(harness: &Harness, path: &str, headers: &[(&str, String)]) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = http().get(format!("{}{path}", harness.url));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let answer = request.send().await.unwrap();
    let (status, headers) = (answer.status().as_u16(), answer.headers().clone());
    (status, headers, answer.text().await.unwrap())
}

/// Posts a form to `path` of the console with `headers`.
async fn post_form(
    harness: &Harness,
    path: &str,
    headers: &[(&str, String)],
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, String) {
    let body = form.iter().map(|(name, value)| format!("{name}={}", urlencode(value))).collect::<Vec<_>>().join("&");
    let mut request = http()
        .post(format!("{}{path}", harness.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let answer = request.send().await.unwrap();
    let (status, headers) = (answer.status().as_u16(), answer.headers().clone());
    (status, headers, answer.text().await.unwrap())
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn bearer(token: &str) -> (&'static str, String) {
    (AUTHORIZATION.as_str(), format!("Bearer {token}"))
}

/// The `name=value` of the `Set-Cookie` header setting `name`, and the whole header.
fn set_cookie(headers: &reqwest::header::HeaderMap, name: &str) -> (String, String) {
    let header = headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no cookie {name} in {headers:?}"));
    (header.split(';').next().unwrap().to_owned(), header)
}

/// The value of the hidden `csrf` field of the first form of `html`.
fn csrf_of(html: &str) -> String {
    let after = html.split("name=\"csrf\" value=\"").nth(1).unwrap_or_else(|| panic!("no csrf field in {html}"));
    after.split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn without_an_admin_token_the_console_is_not_there() {
    let harness = start(Setup::default()).await;
    for path in ["/admin", "/admin/login", "/admin/accounts/101"] {
        let (status, _, body) = get(&harness, path, &[bearer(ADMIN)]).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body.contains("console is off"), "{path} is the relay's own 404, not forwarded: {body}");
    }
}

#[tokio::test]
async fn bearer_tokens_see_and_act_by_role_and_other_requests_are_refused() {
    let harness = with_console(true).await;
    dead_letter(&harness, "rex-1").await;

    let (status, headers, _) = get(&harness, "/admin", &[]).await;
    assert_eq!((status, headers.get(WWW_AUTHENTICATE).unwrap()), (401, &"Bearer".parse().unwrap()));
    let (status, headers, _) = get(&harness, "/admin", &[(ACCEPT.as_str(), "text/html".to_owned())]).await;
    assert_eq!((status, headers.get(LOCATION).unwrap()), (303, &"/admin/login".parse().unwrap()), "a browser logs in");
    for wrong in [TOKEN, "admin-7f3a9c1e5b2d408", "Admin-7f3a9c1e5b2d4086"] {
        let (status, _, body) = get(&harness, "/admin", &[bearer(wrong)]).await;
        assert_eq!(status, 401, "{wrong}: {body}");
    }

    let (status, _, page) = get(&harness, &format!("/admin/accounts/{ACCOUNT}"), &[bearer(READER)]).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Requests, 1 h</div><div class=\"value\">1</div>"),
        "the one request of the observed budget: {page}"
    );
    assert!(page.contains("rex-1") && !page.contains("Retry"), "a reader sees the dead letter, no action: {page}");
    let retry = [("account", "101"), ("event_id", "rex-1")];
    let (status, _, body) = post_form(&harness, "/admin/retry", &[bearer(READER)], &retry).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(harness.counts().await.dead, 1, "the reader changed nothing");

    let (status, _, page) = get(&harness, "/admin", &[bearer(ADMIN)]).await;
    assert_eq!(status, 200);
    assert!(page.contains("href=\"/admin/accounts/101\""), "{page}");
    let (status, _, body) = post_form(&harness, "/admin/retry", &[bearer(ADMIN)], &retry).await;
    assert_eq!((status, serde_json::from_str::<serde_json::Value>(&body).unwrap()), (200, json!({"requeued": 1})));
    wait_for("the retried event to be delivered", || async { harness.sandbox.event(PET, "rex-1").is_some() }).await;
    let (_, _, audit) = get(&harness, "/admin/audit", &[bearer(READER)]).await;
    assert!(audit.contains("admin token") && audit.contains("retried the dead letters of account 101"), "{audit}");
}

#[tokio::test]
async fn a_login_opens_a_session_whose_forms_need_their_csrf_token_and_no_page_shows_a_secret() {
    let harness = with_console(true).await;
    dead_letter(&harness, "rex-1").await;

    let (status, headers, form) = get(&harness, "/admin/login", &[]).await;
    assert_eq!(status, 200);
    let (login_cookie, _) = set_cookie(&headers, "timeline_console_login");
    let login_csrf = csrf_of(&form);
    let cookie = (COOKIE.as_str(), login_cookie.clone());
    let (status, _, page) = post_form(
        &harness,
        "/admin/login",
        std::slice::from_ref(&cookie),
        &[("token", "not-it"), ("csrf", &login_csrf)],
    )
    .await;
    assert_eq!(status, 401, "{page}");
    assert!(page.contains("That token is not valid") && !page.contains("not-it"), "{page}");
    let (status, _, _) = post_form(&harness, "/admin/login", &[], &[("token", ADMIN), ("csrf", &login_csrf)]).await;
    assert_eq!(status, 403, "a login form without its cookie is refused");
    let (status, headers, _) =
        post_form(&harness, "/admin/login", &[cookie], &[("token", ADMIN), ("csrf", &login_csrf)]).await;
    assert_eq!((status, headers.get(LOCATION).unwrap()), (303, &"/admin".parse().unwrap()));
    let (session, header) = set_cookie(&headers, "timeline_console");
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/admin"] {
        assert!(header.contains(attribute), "{attribute} in {header}");
    }
    let session_id = session.split_once('=').unwrap().1.to_owned();
    assert_eq!(session_id.len(), 64, "a random id: {session_id}");

    let browser = [(COOKIE.as_str(), session.clone()), (ACCEPT.as_str(), "text/html".to_owned())];
    let (status, _, page) = get(&harness, &format!("/admin/accounts/{ACCOUNT}"), &browser).await;
    assert_eq!(status, 200, "{page}");
    let csrf = csrf_of(&page);
    let retry = [("account", "101")];
    let (status, _, body) = post_form(&harness, "/admin/retry", &browser, &retry).await;
    assert_eq!(status, 403, "no CSRF token: {body}");
    let (status, _, _) = post_form(&harness, "/admin/retry", &browser, &[("account", "101"), ("csrf", "0000")]).await;
    assert_eq!(status, 403, "another CSRF token");
    assert_eq!(harness.counts().await.dead, 1);
    let (status, headers, _) =
        post_form(&harness, "/admin/retry", &browser, &[("account", "101"), ("csrf", &csrf)]).await;
    assert_eq!((status, headers.get(LOCATION).unwrap()), (303, &"/admin/accounts/101?requeued=1".parse().unwrap()));
    wait_for("the retried event to be delivered", || async { harness.sandbox.event(PET, "rex-1").is_some() }).await;

    let mut pages = vec![form];
    for path in ["/admin", "/admin/accounts/101?requeued=1", "/admin/dead", "/admin/audit"] {
        let (status, headers, page) = get(&harness, path, &browser).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");
        pages.push(page);
    }
    assert!(pages[4].contains(&format!("session {}", &session_id[..8])), "the audit names the session: {}", pages[4]);
    for page in &pages {
        for secret in [ADMIN, READER, session_id.as_str(), TOKEN] {
            assert!(!page.contains(secret), "{secret} shows in {page}");
        }
    }

    let (status, _, _) = post_form(&harness, "/admin/logout", &browser, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let (status, _, _) = get(&harness, "/admin", &[(COOKIE.as_str(), session)]).await;
    assert_eq!(status, 401, "the session ended");
}

#[tokio::test]
async fn values_from_events_are_shown_escaped() {
    let harness = with_console(true).await;
    let id = "<script>alert(\"x\")</script>";
    dead_letter(&harness, id).await;
    for path in ["/admin/accounts/101", "/admin/dead"] {
        let (status, _, page) = get(&harness, path, &[bearer(ADMIN)]).await;
        assert_eq!(status, 200);
        assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), "{path}: {page}");
        assert!(!page.contains("<script"), "{path}: {page}");
    }
}

#[tokio::test]
async fn dead_letters_are_grouped_by_reason_with_a_sample_body_and_a_group_is_dropped_whole() {
    let harness = with_console(true).await;
    dead_letter(&harness, "rex-<b>1</b>").await;
    let (status, _, page) = get(&harness, "/admin/dead", &[bearer(READER)]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("403"), "the reason: {page}");
    assert!(
        page.contains("rex-&lt;b&gt;1&lt;/b&gt;") && !page.contains("<b>1</b>"),
        "the sample body, escaped: {page}"
    );
    assert!(page.contains("&quot;petName&quot;"), "the sample's body is shown: {page}");
    let reason = harness.rows().await[0].last_error.clone().unwrap();

    let (status, _, body) = post_form(&harness, "/admin/drop", &[bearer(READER)], &[("reason", &reason)]).await;
    assert_eq!(status, 403, "a reader drops nothing: {body}");
    let (status, _, body) = post_form(&harness, "/admin/drop", &[bearer(ADMIN)], &[]).await;
    assert_eq!(status, 400, "a drop names what it drops: {body}");
    let (status, _, body) = post_form(&harness, "/admin/drop", &[bearer(ADMIN)], &[("reason", &reason)]).await;
    assert_eq!((status, serde_json::from_str::<serde_json::Value>(&body).unwrap()), (200, json!({"dropped": 1})));
    assert_eq!(harness.counts().await.dead, 0);
    let (_, _, audit) = get(&harness, "/admin/audit", &[bearer(READER)]).await;
    assert!(audit.contains("dropped the dead letters of reason"), "{audit}");
}

#[tokio::test]
async fn a_paused_account_keeps_its_events_in_the_outbox_until_it_is_resumed() {
    let harness = with_console_and(|setup| setup.faults = None).await;
    let pause = [("account", "101"), ("reason", "the customer asked")];
    let (status, _, body) = post_form(&harness, "/admin/pause", &[bearer(ADMIN)], &pause).await;
    assert_eq!((status, serde_json::from_str::<serde_json::Value>(&body).unwrap()), (200, json!({"paused": 1})));
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet("held-1")] })).await;
    assert_eq!((status, &answer["status"]), (207, &json!("PENDING")), "held back: {answer:#}");
    let (_, _, page) = get(&harness, "/admin/accounts/101", &[bearer(READER)]).await;
    assert!(page.contains("badge paused") && page.contains("the customer asked"), "{page}");
    assert!(page.contains(" / 110 in 10 s"), "the account's rate window, from the observed budget: {page}");
    assert_eq!(harness.counts().await.pending, 1, "waiting in the outbox");
    assert!(harness.sandbox.event(PET, "held-1").is_none());

    let (status, _, body) = post_form(&harness, "/admin/resume", &[bearer(ADMIN)], &[("account", "101")]).await;
    assert_eq!((status, serde_json::from_str::<serde_json::Value>(&body).unwrap()), (200, json!({"resumed": 1})));
    wait_for("the held event to be delivered", || async { harness.sandbox.event(PET, "held-1").is_some() }).await;
    let (_, _, audit) = get(&harness, "/admin/audit", &[bearer(READER)]).await;
    assert!(
        audit.contains("paused account 101 (the customer asked)") && audit.contains("resumed account 101"),
        "{audit}"
    );
}
