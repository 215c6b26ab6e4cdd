//! The console in headless Chromium: a wrong token is refused, the login
//! form opens a session, the account's dead letter shows and its retry
//! delivers it, the chart is drawn, and a form posted without its CSRF token
//! is refused. Screenshots of each page go to `console-screenshots/` in the
//! target folder.

use std::path::Path;

use serde_json::json;
use timeline_testkit::Browser;
use timeline_testkit::fantoccini::{Client, Locator};

use crate::common::{BATCH, PET, TOKEN, pet, wait_for};
use crate::console::{ADMIN, dead_letter, with_console};

/// Writes the page's screenshot to `dir/name.png`.
async fn screenshot(page: &Client, dir: &Path, name: &str) {
    let png = page.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// The text of the page's `main` element.
async fn main_text(page: &Client) -> String {
    page.wait().for_element(Locator::Css("main")).await.unwrap().text().await.unwrap()
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

    let page = browser.session().await;
    page.goto(&format!("{}/admin", harness.url)).await.unwrap();
    assert!(page.current_url().await.unwrap().path().ends_with("/admin/login"), "a browser is sent to the login");
    screenshot(&page, &shots, "login").await;
    log_in(&page, "not-the-token").await;
    let refused = main_text(&page).await;
    assert!(refused.contains("That token is not valid"), "{refused}");
    screenshot(&page, &shots, "login-refused").await;

    log_in(&page, ADMIN).await;
    let overview = main_text(&page).await;
    assert!(overview.contains("Overview") && overview.contains("101"), "{overview}");
    let chart = page.find(Locator::Css("svg.chart")).await.unwrap();
    assert_eq!(chart.attr("data-total").await.unwrap().as_deref(), Some("3"), "1 dead and 2 delivered");
    let bars = page.find_all(Locator::Css("svg.chart rect.bar")).await.unwrap();
    assert!(!bars.is_empty(), "the chart draws bars");
    screenshot(&page, &shots, "overview").await;

    page.find(Locator::Css("a[href='/admin/dead']")).await.unwrap().click().await.unwrap();
    let dead = main_text(&page).await;
    assert!(dead.contains("rex-1") && dead.contains("403"), "{dead}");
    screenshot(&page, &shots, "dead-letters").await;

    page.find(Locator::Css("a[href='/admin/accounts/101']")).await.unwrap().click().await.unwrap();
    let account = main_text(&page).await;
    assert!(account.contains("Account 101") && account.contains("rex-1"), "{account}");
    screenshot(&page, &shots, "account").await;

    // The sandbox's 403 was for the first delivery only: the retry goes through.
    page.find(Locator::Css("tr.dead-letter button")).await.unwrap().click().await.unwrap();
    let retried = main_text(&page).await;
    assert!(retried.contains("1 dead letter is pending again"), "{retried}");
    wait_for("the retried event to be delivered", || async { harness.sandbox.event(PET, "rex-1").is_some() }).await;
    wait_for("the relay to see it delivered", || async { harness.counts().await.dead == 0 }).await;
    page.refresh().await.unwrap();
    let account = main_text(&page).await;
    assert!(account.contains("No dead letters"), "{account}");
    screenshot(&page, &shots, "account-after-retry").await;

    page.find(Locator::Css("a[href='/admin/audit']")).await.unwrap().click().await.unwrap();
    let audit = main_text(&page).await;
    assert!(audit.contains("retried dead letter \"rex-1\" of account 101"), "{audit}");
    screenshot(&page, &shots, "audit").await;

    // The logout form, with its CSRF field taken out, is refused.
    page.execute("document.querySelector('header input[name=csrf]').remove()", vec![]).await.unwrap();
    page.find(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    let body = page.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("CSRF token is missing"), "{body}");
    page.goto(&format!("{}/admin", harness.url)).await.unwrap();
    assert!(main_text(&page).await.contains("Overview"), "still logged in");
    page.close().await.unwrap();
}
