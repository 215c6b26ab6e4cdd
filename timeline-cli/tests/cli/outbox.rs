//! `timeline outbox` on a real SQLite outbox file, filled and checked
//! through `SqliteOutbox` while the binary works on the same file.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;
use timeline_dispatch::conformance::rejected;

use serde_json::Value;
use timeline_dispatch::{ClaimLimits, EventKey, EventKind, Fate, NewEvent, Outbox, RowFilter, RowState, SqliteOutbox};

use crate::common::{run, scratch, stderr, timeline};

const DAY: Duration = Duration::from_secs(86_400);

fn event(account: u64, id: &str) -> NewEvent {
    NewEvent {
        key: EventKey {
            account: account.into(),
            kind: EventKind::Timeline,
            event_type: "1001298".into(),
            event_id: id.into(),
        },
        body: format!(r#"{{"eventTemplateId":"1001298","id":"{id}"}}"#).into_bytes(),
    }
}

/// Fills `outbox` with, ten days ago, `old-delivered` (account 1) and
/// `old-dead` (account 2) settled; a day ago, `new-delivered` (1) and
/// `dead-1`, `dead-2` (account 2) and `dead-3` (account 3) dead; and `wait-1`
/// (1), `wait-2` (2) pending.
async fn fill(outbox: &impl Outbox) {
    let now = SystemTime::now();
    let (old, recent) = (now - 10 * DAY, now - DAY);
    let lease = Duration::from_secs(60);
    let all = ClaimLimits { per_account: 100, total: 100 };

    outbox.enqueue(&[event(1, "old-delivered"), event(2, "old-dead")], old).await.unwrap();
    let claimed = outbox.claim(all, lease, old).await.unwrap();
    let outcomes: Vec<_> = claimed
        .iter()
        .map(|c| {
            let settlement = if c.key.account == AccountId::new(1) {
                Fate::Delivered { confirmed_by_duplicate: false }
            } else {
                Fate::Dead { reason: rejected("the template is gone"), may_have_landed: false }
            };
            (c.fence, settlement)
        })
        .collect();
    assert_eq!(outbox.settle(&outcomes, old).await.unwrap().applied, 2);

    let events = [event(1, "new-delivered"), event(2, "dead-1"), event(2, "dead-2"), event(3, "dead-3")];
    outbox.enqueue(&events, recent).await.unwrap();
    let claimed = outbox.claim(all, lease, recent).await.unwrap();
    let outcomes: Vec<_> = claimed
        .iter()
        .map(|c| {
            let settlement = if c.key.account == AccountId::new(1) {
                Fate::Delivered { confirmed_by_duplicate: false }
            } else {
                // dead-3's request may have reached HubSpot before its refusal.
                let may_have_landed = c.key.event_id == "dead-3";
                Fate::Dead { reason: rejected(&format!("bad token in {}", c.key.event_id)), may_have_landed }
            };
            (c.fence, settlement)
        })
        .collect();
    assert_eq!(outbox.settle(&outcomes, recent).await.unwrap().applied, 4);
    outbox.enqueue(&[event(1, "wait-1"), event(2, "wait-2")], now).await.unwrap();
}

/// A SQLite outbox in `dir`, [`fill`]ed.
async fn filled(dir: &Path) -> (PathBuf, SqliteOutbox) {
    let path = dir.join("outbox.sqlite");
    let outbox = SqliteOutbox::open(&path).await.unwrap();
    fill(&outbox).await;
    (path, outbox)
}

async fn json(args: &[&str], path: &Path) -> Value {
    json_from(&["--sqlite", path.to_str().unwrap()], args).await
}

/// `timeline outbox TARGET ARGS`'s JSON.
async fn json_from(target: &[&str], args: &[&str]) -> Value {
    let output = run(timeline().arg("outbox").args(target).args(args)).await;
    assert!(output.status.success(), "timeline outbox {args:?}: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("one JSON object on stdout")
}

async fn state(outbox: &impl Outbox, id: &str) -> (RowState, u32) {
    let filter = RowFilter { event_id: Some(id.into()), ..RowFilter::default() };
    let rows = outbox.list(&filter, 10).await.unwrap();
    assert_eq!(rows.len(), 1, "{id}");
    (rows[0].state, rows[0].attempts)
}

#[tokio::test]
async fn list_shows_the_counts_the_accounts_and_the_dead_letters_with_their_reasons() {
    let dir = scratch("outbox-list");
    let (path, _outbox) = filled(&dir).await;

    let listing = json(&["list", "--json"], &path).await;
    let counts = &listing["counts"];
    assert_eq!(
        (&counts["pending"], &counts["claimed"], &counts["delivered"], &counts["dead"]),
        (&Value::from(2), &Value::from(0), &Value::from(2), &Value::from(4))
    );
    assert!(counts["oldest_undelivered"].is_string());
    let accounts: Vec<_> = listing["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["account"].as_u64().unwrap(), a["undelivered"].as_u64().unwrap(), a["dead"].as_u64().unwrap()))
        .collect();
    assert_eq!(accounts, [(1, 1, 0), (2, 1, 3), (3, 0, 1)]);
    let rows: Vec<_> = listing["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["state"].as_str().unwrap(), r["event_id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            ("dead", "old-dead"),
            ("dead", "dead-1"),
            ("dead", "dead-2"),
            ("dead", "dead-3"),
            ("pending", "wait-1"),
            ("pending", "wait-2")
        ],
        "dead letters first, then pending rows, each oldest first; delivered rows left out"
    );
    assert_eq!(listing["rows"][1]["last_error"], "refused by HubSpot with status 400: bad token in dead-1");
    assert_eq!(listing["rows"][1]["attempts"], 1);
    assert_eq!(listing["rows"][1]["account"], 2);
    assert_eq!(listing["rows"][1]["may_have_landed"], false);
    assert_eq!(listing["rows"][3]["may_have_landed"], true);

    let one = json(&["list", "--json", "--account", "2", "--state", "dead", "--limit", "2"], &path).await;
    let ids: Vec<_> = one["rows"].as_array().unwrap().iter().map(|r| r["event_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["old-dead", "dead-1"], "account 2's two oldest dead letters");
    assert_eq!(one["accounts"].as_array().unwrap().len(), 1, "only account 2");

    let output = run(timeline().arg("outbox").arg("--sqlite").arg(&path).arg("list")).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("2 pending, 0 claimed, 2 delivered, 4 dead"), "{text}");
    assert!(text.contains("last error: refused by HubSpot with status 400: bad token in dead-3"), "{text}");
    assert!(text.contains("account 3  timeline 1001298/dead-3  attempts 1"), "{text}");
    let landed: Vec<_> = text.lines().filter(|line| line.contains("may have landed")).collect();
    assert_eq!(landed.len(), 1, "{text}");
    assert!(landed[0].contains("dead-3"), "{text}");
}

#[tokio::test]
async fn retry_makes_dead_letters_pending_by_id_by_account_or_all() {
    let dir = scratch("outbox-retry");
    let (path, outbox) = filled(&dir).await;

    assert_eq!(json(&["retry", "--id", "dead-1", "--json"], &path).await["requeued"], 1);
    assert_eq!(state(&outbox, "dead-1").await, (RowState::Pending, 1), "pending again, its attempt kept");
    assert_eq!(state(&outbox, "dead-2").await.0, RowState::Dead);
    assert_eq!(json(&["retry", "--id", "dead-3", "--account", "2", "--json"], &path).await["requeued"], 0);
    assert_eq!(json(&["retry", "--account", "2", "--json"], &path).await["requeued"], 2, "old-dead and dead-2");
    assert_eq!(state(&outbox, "dead-3").await.0, RowState::Dead, "account 3 untouched");
    let output = run(timeline().arg("outbox").arg("--sqlite").arg(&path).args(["retry", "--all"])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "1 dead letters are pending again\n");
    assert_eq!(outbox.counts().await.unwrap().dead, 0);

    let claimed = outbox.claim(ClaimLimits { per_account: 10, total: 10 }, DAY, SystemTime::now()).await.unwrap();
    assert_eq!(claimed.len(), 6, "the four requeued rows and the two waiting ones are due now");

    let output = run(timeline().arg("outbox").arg("--sqlite").arg(&path).arg("retry")).await;
    assert_eq!(output.status.code(), Some(2), "retry names what: --all, --account or --id");
    let output =
        run(timeline().arg("outbox").arg("--sqlite").arg(&path).args(["retry", "--all", "--account", "1"])).await;
    assert_eq!(output.status.code(), Some(2), "--all goes alone");
}

/// The reason of `old-dead`, the only dead letter with it.
const TEMPLATE_GONE: &str = "refused by HubSpot with status 400: the template is gone";

#[tokio::test]
async fn list_groups_dead_letters_by_reason_and_drop_takes_only_the_dead_letters_named() {
    let dir = scratch("outbox-drop");
    let (path, outbox) = filled(&dir).await;
    let listing = json(&["list", "--json"], &path).await;
    let reasons = listing["dead_reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons.iter().all(|group| group["rows"] == 1), "{reasons:?}");
    let gone = reasons.iter().find(|group| group["reason"] == TEMPLATE_GONE).expect("the template's reason");
    assert_eq!(gone["sample"]["event_id"], "old-dead");
    assert_eq!(gone["sample_body"], r#"{"eventTemplateId":"1001298","id":"old-dead"}"#);
    let account_2 = listing["accounts"].as_array().unwrap().iter().find(|a| a["account"] == 2).unwrap();
    assert_eq!(
        (&account_2["pending"], &account_2["dead"], &account_2["paused"]),
        (&Value::from(1), &Value::from(3), &Value::Null)
    );
    let row_of = |id: &str| {
        listing["rows"].as_array().unwrap().iter().find(|row| row["event_id"] == id).unwrap()["row"].to_string()
    };

    assert_eq!(json(&["drop", "--reason", TEMPLATE_GONE, "--json"], &path).await["dropped"], 1);
    assert_eq!(json(&["drop", "--row", &row_of("dead-1"), "--json"], &path).await["dropped"], 1);
    assert_eq!(json(&["drop", "--id", "wait-1", "--json"], &path).await["dropped"], 0, "a pending row is not dead");
    assert_eq!(state(&outbox, "wait-1").await.0, RowState::Pending);
    let left: Vec<_> =
        outbox.list(&RowFilter::default(), 100).await.unwrap().into_iter().map(|r| r.key.event_id).collect();
    assert_eq!(left, ["old-delivered", "new-delivered", "dead-2", "dead-3", "wait-1", "wait-2"]);
    let output = run(timeline().arg("outbox").arg("--sqlite").arg(&path).args(["drop", "--account", "3"])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "1 dead letters dropped\n");
    let output = run(timeline().arg("outbox").arg("--sqlite").arg(&path).arg("drop")).await;
    assert_eq!(output.status.code(), Some(2), "drop names what: --all, --account, --id, --row or --reason");
}

#[tokio::test]
async fn a_paused_account_is_left_out_of_claims_until_it_is_resumed() {
    let dir = scratch("outbox-pause");
    let (path, outbox) = filled(&dir).await;
    assert_eq!(json(&["pause", "2", "--reason", "maintenance", "--json"], &path).await["paused"], true);
    assert_eq!(json(&["pause", "2", "--json"], &path).await["paused"], false, "paused already");
    let listing = json(&["list", "--json", "--account", "2"], &path).await;
    assert_eq!(listing["accounts"][0]["paused"]["reason"], "maintenance");
    let all = ClaimLimits { per_account: 10, total: 10 };
    let claimed = outbox.claim(all, DAY, SystemTime::now()).await.unwrap();
    let ids: Vec<_> = claimed.iter().map(|c| c.key.event_id.as_str()).collect();
    assert_eq!(ids, ["wait-1"], "account 2's row waits");

    let output = run(timeline().arg("outbox").arg("--sqlite").arg(&path).args(["resume", "2"])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "account 2 resumed\n");
    assert_eq!(json(&["resume", "2", "--json"], &path).await["resumed"], false, "not paused any more");
    let claimed = outbox.claim(all, DAY, SystemTime::now()).await.unwrap();
    let ids: Vec<_> = claimed.iter().map(|c| c.key.event_id.as_str()).collect();
    assert_eq!(ids, ["wait-2"], "account 2's row once resumed");
}

#[tokio::test]
async fn purge_removes_delivered_and_dead_rows_older_than_the_age() {
    let dir = scratch("outbox-purge");
    let (path, outbox) = filled(&dir).await;

    let purged = json(&["purge", "--older-than", "7d", "--json"], &path).await;
    assert_eq!(purged["purged"], 2, "the rows settled ten days ago");
    assert!(purged["before"].is_string());
    let left: Vec<_> =
        outbox.list(&RowFilter::default(), 100).await.unwrap().into_iter().map(|r| r.key.event_id).collect();
    assert_eq!(left, ["new-delivered", "dead-1", "dead-2", "dead-3", "wait-1", "wait-2"]);

    let output = run(timeline().arg("outbox").arg("--sqlite").arg(&path).args(["purge", "--older-than", "12h"])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("4 delivered and dead rows settled before "));
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.delivered, counts.dead), (2, 0, 0), "pending rows are never purged");

    let output = run(timeline().arg("outbox").arg("--sqlite").arg(&path).args(["purge", "--older-than", "7"])).await;
    assert_eq!(output.status.code(), Some(2), "an age has a unit");
    assert!(stderr(&output).contains("not an age"), "{}", stderr(&output));
}

#[tokio::test]
async fn a_missing_outbox_file_is_refused_and_not_created() {
    let dir = scratch("outbox-missing");
    let path = dir.join("typo.sqlite");
    let output = run(timeline().arg("outbox").arg("--sqlite").arg(&path).arg("list")).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no SQLite outbox there"), "{}", stderr(&output));
    assert!(!path.exists(), "the mistyped file was created");
    let output = run(timeline().args(["outbox", "list"])).await;
    assert_eq!(output.status.code(), Some(2), "an outbox must be named");
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn the_same_commands_work_on_a_postgres_outbox() {
    let Some(db) = timeline_testkit::TestDb::new("timeline-cli outbox postgres").await else {
        return;
    };
    let outbox = timeline_postgres::PgOutbox::new(db.pool().await);
    outbox.migrate().await.unwrap();
    fill(&outbox).await;
    let target = ["--postgres", db.url()];

    let listing = json_from(&target, &["list", "--json"]).await;
    assert_eq!((&listing["counts"]["pending"], &listing["counts"]["dead"]), (&Value::from(2), &Value::from(4)));
    assert_eq!(listing["rows"].as_array().unwrap().len(), 6);
    assert_eq!(listing["rows"][3]["last_error"], "refused by HubSpot with status 400: bad token in dead-3");

    assert_eq!(listing["dead_reasons"].as_array().unwrap().len(), 4);
    assert_eq!(json_from(&target, &["drop", "--reason", TEMPLATE_GONE, "--json"]).await["dropped"], 1);
    assert_eq!(json_from(&target, &["pause", "2", "--json"]).await["paused"], true);
    let paused = json_from(&target, &["list", "--json", "--account", "2"]).await;
    assert_eq!(paused["accounts"][0]["paused"]["reason"], "paused by an operator");
    assert_eq!(json_from(&target, &["resume", "2", "--json"]).await["resumed"], true);
    assert_eq!(json_from(&target, &["retry", "--id", "dead-3", "--json"]).await["requeued"], 1);
    assert_eq!(state(&outbox, "dead-3").await, (RowState::Pending, 1));
    assert_eq!(
        json_from(&target, &["purge", "--older-than", "7d", "--json"]).await["purged"],
        1,
        "old-dead is dropped"
    );
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.delivered, counts.dead), (3, 1, 2));

    let wrong_schema = ["--postgres", db.url(), "--schema", "elsewhere"];
    let output = run(timeline().arg("outbox").args(wrong_schema).arg("list")).await;
    assert_eq!(output.status.code(), Some(2), "no outbox in that schema");
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn a_postgres_outbox_is_read_over_verified_tls_and_refusals_keep_the_password() {
    let certificates = timeline_testkit::TestCertificates::new();
    let Some(server) = timeline_testkit::PgServer::start_tls(&certificates) else {
        return;
    };
    let superuser_url = server.create_database("cli_tls").await;
    let pool = timeline_postgres::connect(&superuser_url, None, 2).await.unwrap();
    let outbox = timeline_postgres::PgOutbox::new(pool);
    outbox.migrate().await.unwrap();
    fill(&outbox).await;
    let password = "s3cret-cli-password";
    server.create_role("cli", password).await;
    let url = |password: &str, mode: &str| {
        format!("postgres://cli:{password}@127.0.0.1:{}/cli_tls?sslmode={mode}", server.port())
    };
    let ca_file = certificates.ca_file();
    let ca_file = ca_file.to_str().unwrap();

    let verified = url(password, "require");
    let listing = json_from(&["--postgres", &verified, "--postgres-ca-file", ca_file], &["list", "--json"]).await;
    assert_eq!(listing["counts"]["dead"], Value::from(4), "the outbox is read over TLS verified against the CA");

    let other_ca = timeline_testkit::TestCertificates::new();
    let wrong_password = "wrong-cli-password";
    let refusals = [
        (url(password, "verify-full"), other_ca.ca_file(), password, "certificate"),
        (url(wrong_password, "verify-full"), certificates.ca_file(), wrong_password, "password authentication failed"),
    ];
    for (url, ca_file, secret, reason) in refusals {
        let output =
            run(timeline().args(["outbox", "--postgres", &url, "--postgres-ca-file"]).arg(&ca_file).arg("list")).await;
        assert!(!output.status.success());
        let said = stderr(&output);
        assert!(said.contains(reason) && !said.contains(secret), "{said}");
    }

    let plaintext = url(password, "disable");
    let output = run(timeline().args(["outbox", "--postgres", &plaintext, "list"])).await;
    let said = stderr(&output);
    assert!(!output.status.success() && said.contains("no encryption") && !said.contains(password), "{said}");
}
