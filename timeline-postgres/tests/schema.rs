//! Migrations: in the outbox's own schema, with its own migrations table,
//! idempotent; two schemas in one database are two outboxes.

mod common;

use common::{at, event, outbox};
use timeline_core::AccountId;
use timeline_dispatch::conformance::rejected;
use timeline_dispatch::{ClaimLimits, Enqueued, Fate, Outbox};
use timeline_postgres::{DEFAULT_SCHEMA, PgOutbox};
use timeline_testkit::TestDb;

/// A `timestamptz` as the tests read it.
type DateTime = chrono::DateTime<chrono::Utc>;

async fn tables(pool: &sqlx::PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT schemaname::text, tablename::text FROM pg_tables
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Runs the outbox's first `count` migrations, as a release that had only
/// those left the schema.
async fn migrate_first(pool: &sqlx::PgPool, count: usize) {
    let all = sqlx::migrate!("./migrations");
    let mut earlier = sqlx::migrate::Migrator::with_migrations(all.iter().take(count).cloned().collect());
    earlier.dangerous_set_table_name(format!("\"{DEFAULT_SCHEMA}\"._sqlx_migrations"));
    earlier.create_schema(format!("\"{DEFAULT_SCHEMA}\""));
    let options = (*pool.connect_options()).clone().options([("search_path", format!("\"{DEFAULT_SCHEMA}\""))]);
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect_with(&options).await.unwrap();
    earlier.run(&mut conn).await.unwrap();
    sqlx::Connection::close(conn).await.unwrap();
}

#[tokio::test]
async fn migrations_stay_in_the_outbox_schema_and_run_once() {
    let Some((_db, outbox)) = outbox("schema::own").await else { return };
    let pool = outbox.pool().clone();
    assert_eq!(outbox.schema(), DEFAULT_SCHEMA);
    outbox.enqueue(&[event(101, "e-1")], at(0)).await.unwrap();
    outbox.migrate().await.unwrap();
    assert_eq!(outbox.counts().await.unwrap().pending, 1, "a second migrate keeps the rows");
    assert_eq!(
        tables(&pool).await,
        [
            ("timeline_outbox".to_owned(), "_sqlx_migrations".to_owned()),
            ("timeline_outbox".to_owned(), "events".to_owned()),
            ("timeline_outbox".to_owned(), "pauses".to_owned())
        ]
    );
    // The pool's own connections keep their search_path.
    let (path,): (String,) = sqlx::query_as("SHOW search_path").fetch_one(&pool).await.unwrap();
    assert_eq!(path, r#""$user", public"#);
}

#[tokio::test]
async fn two_schemas_are_two_outboxes() {
    let Some(db) = TestDb::new("schema::two").await else { return };
    let pool = db.pool().await;
    let a = PgOutbox::with_schema(pool.clone(), "outbox_a").unwrap();
    let b = PgOutbox::with_schema(pool.clone(), "outbox_b").unwrap();
    a.migrate().await.unwrap();
    b.migrate().await.unwrap();
    assert_eq!(a.enqueue(&[event(101, "e-1")], at(0)).await.unwrap(), [Enqueued::Added]);
    assert_eq!(b.enqueue(&[event(101, "e-1")], at(0)).await.unwrap(), [Enqueued::Added]);
    a.enqueue(&[event(101, "e-2")], at(0)).await.unwrap();
    assert_eq!((a.counts().await.unwrap().pending, b.counts().await.unwrap().pending), (2, 1));
    let schemas: Vec<String> = tables(&pool).await.into_iter().map(|(schema, _)| schema).collect();
    assert_eq!(schemas, ["outbox_a", "outbox_a", "outbox_a", "outbox_b", "outbox_b", "outbox_b"]);
}

#[tokio::test]
async fn a_schema_name_must_be_a_plain_identifier() {
    let Some(db) = TestDb::new("schema::names").await else { return };
    let pool = db.pool().await;
    for bad in ["", "Outbox", "1outbox", "out\"box", "a b", "x; DROP TABLE y", &"a".repeat(64)] {
        assert!(PgOutbox::with_schema(pool.clone(), bad).is_err(), "{bad:?} accepted");
    }
    assert!(PgOutbox::with_schema(pool, "_tenant_7").is_ok());
}

/// An outbox schema from before the may-have-landed column: its migration
/// keeps the meaning the attempt number had for undelivered and dead rows
/// claimed more than once, and marks no other row.
#[tokio::test]
async fn rows_from_before_the_may_have_landed_column_keep_what_their_attempts_meant() {
    let Some(db) = TestDb::new("schema::may_have_landed").await else { return };
    let pool = db.pool().await;
    migrate_first(&pool, 1).await;
    let rows = [
        ("pending-once", "pending", 1, true),
        ("pending-twice", "pending", 2, true),
        ("claimed-twice", "claimed", 2, true),
        ("dead-thrice", "dead", 3, false),
        ("delivered-twice", "delivered", 2, false),
    ];
    for (id, state, attempts, undelivered) in rows {
        sqlx::query(
            "INSERT INTO timeline_outbox.events
                 (portal, kind, event_type, event_id, body, state, attempts, enqueued_at, due_at, settled_at)
             VALUES (1, 'timeline', '1001', $1, '\\x7b7d', $2, $3, now(),
                 CASE WHEN $4 THEN now() END, CASE WHEN NOT $4 THEN now() END)",
        )
        .bind(id)
        .bind(state)
        .bind(attempts)
        .bind(undelivered)
        .execute(&pool)
        .await
        .unwrap();
    }

    let outbox = PgOutbox::new(pool);
    outbox.migrate().await.unwrap();
    let listed = outbox.list(&timeline_dispatch::RowFilter::default(), 10).await.unwrap();
    let flags: Vec<_> = listed.iter().map(|row| (row.key.event_id.as_str(), row.may_have_landed)).collect();
    assert_eq!(
        flags,
        [
            ("pending-once", false),
            ("pending-twice", true),
            ("claimed-twice", true),
            ("dead-thrice", true),
            ("delivered-twice", false)
        ]
    );
}

/// A delivered row keeps no body; a dead one keeps its own (it can be
/// requeued), and so does a row given back for a later attempt.
#[tokio::test]
async fn a_delivered_row_keeps_no_body() {
    let Some((_db, outbox)) = outbox("schema::bodies").await else { return };
    let events: Vec<_> = ["delivered", "dead", "retried"].map(|id| event(101, id)).into();
    outbox.enqueue(&events, at(0)).await.unwrap();
    let limits = ClaimLimits { per_account: 10, total: 10 };
    let claimed = outbox.claim(limits, std::time::Duration::from_secs(30), at(1)).await.unwrap();
    assert_eq!(claimed.len(), 3);
    let settlements = [
        Fate::Delivered { confirmed_by_duplicate: false },
        Fate::Dead { reason: rejected("refused"), may_have_landed: false },
        Fate::RetryAt { at: at(5), reason: rejected("busy"), may_have_landed: true },
    ];
    let outcomes: Vec<_> = claimed.iter().map(|row| row.fence).zip(settlements).collect();
    assert_eq!(outbox.settle(&outcomes, at(2)).await.unwrap().applied, 3);
    let bodies: Vec<(String, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT event_id, body FROM timeline_outbox.events ORDER BY id")
            .fetch_all(outbox.pool())
            .await
            .unwrap();
    let kept: Vec<_> = bodies.iter().map(|(id, body)| (id.as_str(), body.clone())).collect();
    assert_eq!(
        kept,
        [("delivered", None), ("dead", Some(events[1].body.clone())), ("retried", Some(events[2].body.clone()))]
    );
}

/// An outbox schema from before the HOT "sending" mark (migration 4: a
/// fillfactor, one index fewer): its rows stay as they were, and the depth,
/// which now finds the oldest undelivered row account by account, names the
/// oldest of every account's.
#[tokio::test]
async fn rows_from_before_the_hot_sending_mark_stay_and_the_depth_finds_the_oldest() {
    let Some(db) = TestDb::new("schema::hot_sending").await else { return };
    let pool = db.pool().await;
    migrate_first(&pool, 3).await;
    // Account 9's row is the oldest undelivered one, enqueued after account
    // 1's delivered row and before account 1's pending one.
    let rows = [(1_i64, "delivered", "delivered", 0), (9, "oldest", "pending", 10), (1, "newer", "pending", 20)];
    for (portal, id, state, seconds) in rows {
        let undelivered = state == "pending";
        sqlx::query(
            "INSERT INTO timeline_outbox.events
                 (portal, kind, event_type, event_id, body, state, attempts, enqueued_at, due_at, settled_at)
             VALUES ($1, 'timeline', '1001', $2, '\\x7b7d', $3, 0, $4,
                 CASE WHEN $5 THEN $4 END, CASE WHEN NOT $5 THEN $4 END)",
        )
        .bind(portal)
        .bind(id)
        .bind(state)
        .bind(chrono::DateTime::<chrono::Utc>::from(at(seconds)))
        .bind(undelivered)
        .execute(&pool)
        .await
        .unwrap();
    }
    let rows_in = |account_column: &'static str| {
        let pool = pool.clone();
        async move {
            let query = format!(
                "SELECT id, {account_column}, event_id, state, attempts, enqueued_at, due_at, settled_at
                 FROM timeline_outbox.events ORDER BY id"
            );
            sqlx::query_as::<_, (i64, i64, String, String, i32, DateTime, Option<DateTime>, Option<DateTime>)>(
                sqlx::AssertSqlSafe(query),
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let before = rows_in("portal").await;
    assert_eq!(before.len(), 3);

    let outbox = PgOutbox::new(pool.clone());
    outbox.migrate().await.unwrap();
    assert_eq!(rows_in("account").await, before, "every row comes over, its account column renamed");
    let depth = outbox.depth().await.unwrap();
    assert_eq!((depth.undelivered, depth.oldest_undelivered), (2, Some(at(10))));
}

/// An outbox schema of the release before pauses (migrations 1 to 5) gets
/// the pauses' table and keeps its rows: a paused account's row is held
/// back from claims and from the next due time, and claimed once resumed.
#[tokio::test]
async fn a_schema_from_before_pauses_migrates_and_its_accounts_pause() {
    let Some(db) = TestDb::new("schema::pauses").await else { return };
    let pool = db.pool().await;
    migrate_first(&pool, 5).await;
    let old = PgOutbox::new(pool.clone());
    assert_eq!(old.enqueue(&[event(1, "old")], at(0)).await.unwrap(), [Enqueued::Added]);

    let outbox = PgOutbox::new(pool.clone());
    outbox.migrate().await.unwrap();
    assert!(outbox.pause(AccountId::new(1), "asked", at(1)).await.unwrap());
    let limits = ClaimLimits { per_account: 10, total: 10 };
    assert_eq!(outbox.claim(limits, std::time::Duration::from_secs(30), at(2)).await.unwrap(), []);
    assert_eq!(outbox.next_due().await.unwrap(), None);
    assert!(outbox.resume(AccountId::new(1)).await.unwrap());
    let claimed = outbox.claim(limits, std::time::Duration::from_secs(30), at(2)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].key.event_id.as_str(), claimed[0].body.clone()), ("old", event(1, "old").body));
}
