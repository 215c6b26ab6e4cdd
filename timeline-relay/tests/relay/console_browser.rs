//! The console in headless Chromium: a wrong token is refused, the login
//! form opens a session, the account's dead letter shows and its retry
//! delivers it, the chart is drawn, and a form posted without its CSRF token
//! is refused. Screenshots of each page go to `console-screenshots/` in the
//! target folder.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use timeline_testkit::Browser;
use timeline_testkit::fantoccini::{Client, Locator};

use crate::common::{BATCH, OTHER_TOKEN, PET, TOKEN, pet, wait_for};
use crate::console::{ADMIN, dead_letter, with_console};

/// Writes the page's screenshot to `dir/name.png`.
async fn screenshot(page: &Client, dir: &Path, name: &str) {
    let png = page.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// The text of the page once it shows `expected` (a navigation may still
/// be under way when this is called); fails after a generous bound.
async fn text_showing(page: &Client, expected: &str) -> String {
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        let text = match page.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(expected) {
            return text;
        }
        assert!(Instant::now() < give_up, "the page never showed {expected:?}; it shows: {text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Logs in through the form with `token`.
async fn log_in(page: &Client, token: &str) {
    let field = page.wait().for_element(Locator::Css("input[name=token]")).await.unwrap();
    field.send_keys(token).await.unwrap();
    page.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
}

#[tokio::test]
async fn an_operator_logs_in_sees_the_dead_letter_retries_it_and_sees_it_delivered() {
    let Some(browser) = Browser::start() else { return };
    let shots = Browser::screenshots_dir();
    // On loopback over HTTP, as `timeline relay` sets it there.
    let harness = with_console(false).await;
    dead_letter(&harness, "rex-1").await;
    let (status, answer) = harness.post(BATCH, Some(TOKEN), &json!({ "inputs": [pet("ok-1"), pet("ok-2")] })).await;
    assert_eq!(status, 201, "{answer:#}");
    let (status, answer) = harness.post(BATCH, Some(OTHER_TOKEN), &json!({ "inputs": [pet("other-1")] })).await;
    assert_eq!(status, 201, "{answer:#}");

    let page = browser.session().await;
    page.goto(&format!("{}/admin", harness.url)).await.unwrap();
    assert!(page.current_url().await.unwrap().path().ends_with("/admin/login"), "a browser is sent to the login");
    screenshot(&page, &shots, "login").await;
    log_in(&page, "not-the-token").await;
    text_showing(&page, "That token is not valid").await;
    screenshot(&page, &shots, "login-refused").await;

    log_in(&page, ADMIN).await;
    let overview = text_showing(&page, "Overview").await;
    assert!(overview.contains("101") && overview.contains("202"), "{overview}");
    let chart = page.find(Locator::Css("svg.chart")).await.unwrap();
    assert_eq!(chart.attr("data-total").await.unwrap().as_deref(), Some("4"), "1 dead and 3 delivered");
    let bars = page.find_all(Locator::Css("svg.chart rect.bar")).await.unwrap();
    assert!(!bars.is_empty(), "the chart draws bars");
    screenshot(&page, &shots, "overview").await;

    page.find(Locator::Css("a[href='/admin/dead']")).await.unwrap().click().await.unwrap();
    let dead = text_showing(&page, "Grouped by reason").await;
    assert!(dead.contains("rex-1") && dead.contains("403"), "{dead}");
    screenshot(&page, &shots, "dead-letters").await;

    page.find(Locator::Css("a[href='/admin/accounts/101']")).await.unwrap().click().await.unwrap();
    let account = text_showing(&page, "Account 101").await;
    assert!(account.contains("rex-1"), "{account}");
    screenshot(&page, &shots, "account").await;

    // The sandbox's 403 was for the first delivery only: the retry goes through.
    page.find(Locator::Css("tr.dead-letter button")).await.unwrap().click().await.unwrap();
    text_showing(&page, "1 dead letter is pending again").await;
    wait_for("the retried event to be delivered", || async { harness.sandbox.event(PET, "rex-1").is_some() }).await;
    wait_for("the relay to see it delivered", || async { harness.counts().await.dead == 0 }).await;
    page.refresh().await.unwrap();
    text_showing(&page, "No dead letters").await;
    screenshot(&page, &shots, "account-after-retry").await;

    page.find(Locator::Css("a[href='/admin/audit']")).await.unwrap().click().await.unwrap();
    text_showing(&page, "retried the dead letters of account 101, event \"rex-1\"").await;
    screenshot(&page, &shots, "audit").await;

    // The logout form, with its CSRF field taken out, is refused.
    page.execute("document.querySelector('header input[name=csrf]').remove()", vec![]).await.unwrap();
    page.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    text_showing(&page, "CSRF token is missing").await;
    page.goto(&format!("{}/admin", harness.url)).await.unwrap();
    text_showing(&page, "Log out").await;
    page.close().await.unwrap();
}
