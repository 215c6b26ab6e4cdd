//! The SQLite outbox's durability, group commits and migrations, on real
//! files: rows survive a closed handle and a killed process, concurrent
//! enqueues share commits, and files older releases left (migrated by
//! sqlx's migrator) open and continue.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};
use timeline_core::AccountId;
use timeline_dispatch::conformance::rejected;

use rusqlite::Connection;
use sha2::{Digest, Sha384};
use timeline_dispatch::{
    ClaimLimits, Enqueued, EventKey, EventKind, Fate, NewEvent, Outbox, RowFilter, RowState, SqliteOutbox,
};

fn event(account: u64, id: &str) -> NewEvent {
    NewEvent {
        key: EventKey {
            account: account.into(),
            kind: EventKind::Timeline,
            event_type: "1001".into(),
            event_id: id.into(),
        },
        body: format!(r#"{{"eventTemplateId":"1001","id":"{id}"}}"#).into_bytes(),
    }
}

fn at(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + seconds)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopened_outbox_holds_every_row_in_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let outbox = SqliteOutbox::open(&path).await.unwrap();
    for chunk in 0..10 {
        let events: Vec<_> = (0..50).map(|i| event(chunk % 3, &format!("e{chunk}-{i}"))).collect();
        assert!(outbox.enqueue(&events, at(chunk)).await.unwrap().iter().all(|e| *e == Enqueued::Added));
    }
    let claimed =
        outbox.claim(ClaimLimits { per_account: 20, total: 40 }, Duration::from_secs(30), at(20)).await.unwrap();
    assert_eq!(claimed.len(), 40);
    let outcomes: Vec<_> = claimed
        .iter()
        .take(30)
        .enumerate()
        .map(|(i, c)| {
            (
                c.fence,
                if i % 2 == 0 {
                    Fate::Delivered { confirmed_by_duplicate: false }
                } else {
                    Fate::Dead { reason: rejected("bad request"), may_have_landed: false }
                },
            )
        })
        .collect();
    outbox.settle(&outcomes, at(21)).await.unwrap();
    let before = outbox.list(&RowFilter::default(), 1000).await.unwrap();
    let counts = outbox.counts().await.unwrap();
    drop(outbox);

    let raw = Connection::open(&path).unwrap();
    let mode: String = raw.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal", "the file stays in WAL mode");
    drop(raw);

    assert_eq!((counts.pending, counts.claimed, counts.delivered, counts.dead), (460, 10, 15, 15));

    // A claim lives in the memory of the outbox that made it: the rows
    // claimed and never sent are pending again, due as before, and a claim
    // takes them back at once, with no lease to wait for.
    let reopened = SqliteOutbox::open(&path).await.unwrap();
    let held: Vec<_> = claimed[30..].iter().map(|c| c.fence.row).collect();
    let expected: Vec<_> = before
        .into_iter()
        .map(|mut row| {
            if held.contains(&row.row) {
                assert_eq!(row.state, RowState::Claimed);
                row.state = RowState::Pending;
                row.attempts = 0;
                row.due_at = Some(row.enqueued_at);
            }
            row
        })
        .collect();
    assert_eq!(reopened.list(&RowFilter::default(), 1000).await.unwrap(), expected);
    let counts = reopened.counts().await.unwrap();
    assert_eq!((counts.pending, counts.claimed, counts.delivered, counts.dead), (470, 0, 15, 15));
    let again: Vec<_> = (0..50).map(|i| event(0, &format!("e0-{i}"))).collect();
    assert!(reopened.enqueue(&again, at(30)).await.unwrap().iter().all(|e| *e == Enqueued::AlreadyThere));
    let taken_back =
        reopened.claim(ClaimLimits { per_account: 20, total: 60 }, Duration::from_secs(30), at(20)).await.unwrap();
    for row in &held {
        let claim = taken_back.iter().find(|c| c.fence.row == *row).expect("a held row is claimed again at once");
        assert_eq!((claim.fence.attempt, claim.may_have_landed), (1, false), "never sent");
    }
}

/// Set in the child process of the kill test: the outbox file it fills.
const CHILD_OUTBOX: &str = "TIMELINE_DISPATCH_TEST_CHILD_OUTBOX";

/// The child: eight tasks enqueue events forever, each printing `ack ID`
/// once its enqueue returned.
async fn enqueue_until_killed(path: &Path) -> ! {
    let outbox = SqliteOutbox::open(path).await.expect("open in the child");
    let tasks: Vec<_> = (0..8u64)
        .map(|task| {
            let outbox = outbox.clone();
            tokio::spawn(async move {
                for n in 0.. {
                    let ids = [format!("t{task}-{n}-a"), format!("t{task}-{n}-b")];
                    let events = [event(task, &ids[0]), event(task + 100, &ids[1])];
                    outbox.enqueue(&events, SystemTime::now()).await.expect("enqueue in the child");
                    println!("ack {}\nack {}", ids[0], ids[1]);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a child task");
    }
    unreachable!("the child enqueues until it is killed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_loses_no_acknowledged_event() {
    if let Some(path) = std::env::var_os(CHILD_OUTBOX) {
        enqueue_until_killed(Path::new(&path)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["a_killed_process_loses_no_acknowledged_event", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_OUTBOX, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        // Kill it mid-stream, at a different point each round.
        let kill_after = 200 + round * 150;
        for line in lines {
            if let Some(id) = line.unwrap().strip_prefix("ack ") {
                acknowledged.push(id.to_string());
                seen += 1;
                if seen == kill_after {
                    child.kill().unwrap();
                }
            }
        }
        // Every line before EOF was printed after its enqueue returned: all
        // of them count, those in the pipe after the kill too.
        child.wait().unwrap();
        assert!(seen >= kill_after, "the child stopped early (round {round}, {seen} acks)");
    }

    let outbox = SqliteOutbox::open(&path).await.unwrap();
    let rows = outbox.list(&RowFilter::default(), usize::MAX).await.unwrap();
    let stored: std::collections::HashSet<_> = rows.iter().map(|row| row.key.event_id.as_str()).collect();
    let missing: Vec<_> = acknowledged.iter().filter(|id| !stored.contains(id.as_str())).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged events are missing: {:?}",
        missing.len(),
        acknowledged.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(rows.iter().all(|row| row.state == RowState::Pending));
}

/// The frames in the WAL file: each commit appends at least one.
fn wal_frames(path: &Path) -> u64 {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    // A 32-byte header, then frames of a 24-byte header and a 4096-byte page.
    len.saturating_sub(32) / (24 + 4096)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_enqueues_share_commits() {
    const TASKS: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let outbox = SqliteOutbox::open(&path).await.unwrap();

    // Another connection holds the write lock, so the writer's first commit
    // waits while every task hands its event over.
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let frames_before = wal_frames(&path);

    let polled = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let outbox = outbox.clone();
            let polled = Arc::clone(&polled);
            tokio::spawn(async move {
                let events = [event(i as u64 % 7, &format!("e{i}"))];
                let mut enqueue = outbox.enqueue(&events, at(0));
                let mut first = true;
                std::future::poll_fn(|cx| {
                    let poll = enqueue.as_mut().poll(cx);
                    if std::mem::take(&mut first) {
                        polled.fetch_add(1, Ordering::SeqCst);
                    }
                    poll
                })
                .await
            })
        })
        .collect();
    while polled.load(Ordering::SeqCst) < TASKS {
        tokio::task::yield_now().await;
    }
    other.execute_batch("ROLLBACK").unwrap();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), [Enqueued::Added]);
    }

    // A commit writes at least one frame per table and index it changes
    // (the rows, their bodies, three indexes): 200 commits would write
    // 1 000 frames or more.
    let commits_at_most = wal_frames(&path) - frames_before;
    assert!(
        commits_at_most < (TASKS / 4) as u64,
        "{TASKS} enqueues took {commits_at_most} WAL frames: they did not share commits"
    );
    assert_eq!(outbox.counts().await.unwrap().pending, TASKS as u64);
}

/// The scripts of `migrations/sqlite/`, with the descriptions sqlx's
/// migrator gives them (the file name after the version, underscores as
/// spaces).
const MIGRATIONS: [(i64, &str, &str); 6] = [
    (1, "outbox", include_str!("../migrations/sqlite/0001_outbox.sql")),
    (2, "may have landed", include_str!("../migrations/sqlite/0002_may_have_landed.sql")),
    (3, "bodies apart", include_str!("../migrations/sqlite/0003_bodies_apart.sql")),
    (4, "cheaper writes", include_str!("../migrations/sqlite/0004_cheaper_writes.sql")),
    (5, "account", include_str!("../migrations/sqlite/0005_account.sql")),
    (6, "pauses", include_str!("../migrations/sqlite/0006_pauses.sql")),
];

/// A connection to a new outbox file at `path` with only its first
/// `migrations` migrations run, as the releases that opened the file with
/// sqlx's migrator left it: its table of applied migrations, one row each
/// with the script's SHA-384. The table is written out as sqlx's SQLite
/// migrator creates it, not taken from the outbox's own migration runner,
/// which is what these tests check against it.
fn migrated_up_to(path: &Path, migrations: usize) -> Connection {
    let mut conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations ( \
             version BIGINT PRIMARY KEY, \
             description TEXT NOT NULL, \
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
             success BOOLEAN NOT NULL, \
             checksum BLOB NOT NULL, \
             execution_time BIGINT NOT NULL \
         )",
    )
    .unwrap();
    for (version, description, sql) in &MIGRATIONS[..migrations] {
        let tx = conn.transaction().unwrap();
        tx.execute_batch(sql).unwrap();
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?1, ?2, TRUE, ?3, 1000)",
            rusqlite::params![version, description, Sha384::digest(sql).to_vec()],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    conn
}

/// The file's record of applied migrations: version, description,
/// success, checksum, install time.
type Applied = Vec<(i64, String, bool, Vec<u8>, String)>;

fn applied_migrations(path: &Path) -> Applied {
    let conn = Connection::open(path).unwrap();
    let mut select = conn
        .prepare("SELECT version, description, success, checksum, installed_on FROM _sqlx_migrations ORDER BY version")
        .unwrap();
    select
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A new file records its migrations as sqlx's migrator does (the same
/// versions, descriptions and SHA-384 checksums, which that migrator checks),
/// so a release that opens files with it accepts the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_file_records_its_migrations_as_sqlx_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    drop(SqliteOutbox::open(&path).await.unwrap());
    let recorded: Vec<_> = applied_migrations(&path)
        .into_iter()
        .map(|(version, description, success, checksum, _)| (version, description, success, checksum))
        .collect();
    let expected: Vec<_> = MIGRATIONS
        .iter()
        .map(|(version, description, sql)| (*version, description.to_string(), true, Sha384::digest(sql).to_vec()))
        .collect();
    assert_eq!(recorded, expected);
}

/// Adds to a file migrated through migration 5 at least (bodies apart, the
/// `account` column) one pending row of account 1, `old`, with the body
/// `old body`.
fn add_old_row(conn: &Connection) {
    conn.execute_batch(
        "INSERT INTO outbox (account, kind, event_type, event_id, state, attempts, enqueued_at, due_at) \
             VALUES (1, 'timeline', '1001', 'old', 'pending', 0, 0, 0); \
         INSERT INTO outbox_body (id, body) SELECT id, CAST('old body' AS BLOB) FROM outbox",
    )
    .unwrap();
}

/// A file every migration of which sqlx's migrator applied opens as it is:
/// nothing is applied again, its rows are there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sqlx_migrated_opens_without_migrating_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let conn = migrated_up_to(&path, MIGRATIONS.len());
    add_old_row(&conn);
    drop(conn);
    let before = applied_migrations(&path);

    let outbox = SqliteOutbox::open(&path).await.unwrap();
    assert_eq!(applied_migrations(&path), before, "no migration ran again");
    let claimed =
        outbox.claim(ClaimLimits { per_account: 10, total: 10 }, Duration::from_secs(30), at(0)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].key.event_id.as_str(), claimed[0].body.as_slice()), ("old", &b"old body"[..]));
}

/// A file of the release before pauses (migrations 1 to 5) gets the
/// pauses' table and keeps its rows: a paused account's row is held back
/// from claims, and claimed once the account is resumed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_from_before_pauses_opens_and_its_accounts_pause() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let conn = migrated_up_to(&path, 5);
    add_old_row(&conn);
    drop(conn);

    let outbox = SqliteOutbox::open(&path).await.unwrap();
    assert_eq!(applied_migrations(&path).len(), MIGRATIONS.len(), "the pauses' migration ran");
    assert!(outbox.pause(AccountId::new(1), "asked", at(0)).await.unwrap());
    let limits = ClaimLimits { per_account: 10, total: 10 };
    assert_eq!(outbox.claim(limits, Duration::from_secs(30), at(0)).await.unwrap(), []);
    assert!(outbox.resume(AccountId::new(1)).await.unwrap());
    let claimed = outbox.claim(limits, Duration::from_secs(30), at(0)).await.unwrap();
    assert_eq!((claimed[0].key.event_id.as_str(), claimed[0].body.as_slice()), ("old", &b"old body"[..]));
}

/// A file a newer release migrated further (a migration this release does
/// not know) is refused, not written to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_an_unknown_migration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let conn = migrated_up_to(&path, MIGRATIONS.len());
    conn.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, x'00', 1)",
        [],
    )
    .unwrap();
    drop(conn);
    let error = SqliteOutbox::open(&path).await.unwrap_err().to_string();
    assert!(error.contains("9999"), "{error}");
}

/// An outbox file from before the may-have-landed column: its migration
/// keeps the meaning the attempt number had for undelivered and dead rows
/// claimed more than once (an earlier attempt may have sent them), and
/// marks no other row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_from_before_the_may_have_landed_column_keep_what_their_attempts_meant() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let conn = migrated_up_to(&path, 1);
    let rows = [
        ("pending-once", "pending", 1, Some(1), None),
        ("pending-twice", "pending", 2, Some(1), None),
        ("claimed-twice", "claimed", 2, Some(1), None),
        ("dead-thrice", "dead", 3, None, Some(1)),
        ("delivered-twice", "delivered", 2, None, Some(1)),
    ];
    for (id, state, attempts, due_at, settled_at) in rows {
        conn.execute(
            "INSERT INTO outbox (portal, kind, event_type, event_id, body, state, attempts, enqueued_at, due_at, settled_at) \
             VALUES (1, 'timeline', '1001', ?1, x'7b7d', ?2, ?3, 0, ?4, ?5)",
            rusqlite::params![id, state, attempts, due_at, settled_at],
        )
        .unwrap();
    }
    drop(conn);

    let outbox = SqliteOutbox::open(&path).await.unwrap();
    let listed = outbox.list(&RowFilter::default(), 10).await.unwrap();
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

/// How many bodies the file at `path` holds.
fn stored_bodies(path: &Path) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row("SELECT count(*) FROM outbox_body", [], |row| row.get(0)).unwrap()
}

/// An outbox file from before bodies had a table of their own: the
/// migration moves the bodies of undelivered and dead rows there (a claim
/// gets them back byte for byte) and drops those of delivered rows. From
/// then on a row's body goes when it is delivered, and a dead row's when it
/// is purged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_move_to_their_own_table_and_leave_with_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let conn = migrated_up_to(&path, 2);
    for (id, state, due_at, settled_at) in [
        ("pending", "pending", Some(1), None),
        ("dead", "dead", None, Some(1)),
        ("delivered", "delivered", None, Some(1)),
    ] {
        conn.execute(
            "INSERT INTO outbox (portal, kind, event_type, event_id, body, state, attempts, enqueued_at, due_at, settled_at) \
             VALUES (1, 'timeline', '1001', ?1, CAST(?1 AS BLOB), ?2, 1, 0, ?3, ?4)",
            rusqlite::params![id, state, due_at, settled_at],
        )
        .unwrap();
    }
    drop(conn);

    let outbox = SqliteOutbox::open(&path).await.unwrap();
    assert_eq!(stored_bodies(&path), 2, "the pending and the dead row keep their bodies");
    let claimed =
        outbox.claim(ClaimLimits { per_account: 10, total: 10 }, Duration::from_secs(30), at(0)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].body, b"pending");

    let events: Vec<_> = (0..3).map(|i| event(2, &format!("e{i}"))).collect();
    outbox.enqueue(&events, at(1)).await.unwrap();
    assert_eq!(stored_bodies(&path), 5);
    let mut claimed =
        outbox.claim(ClaimLimits { per_account: 10, total: 10 }, Duration::from_secs(30), at(2)).await.unwrap();
    assert_eq!(
        claimed.iter().map(|row| row.body.clone()).collect::<Vec<_>>(),
        events.iter().map(|e| e.body.clone()).collect::<Vec<_>>()
    );
    let dead = claimed.pop().unwrap();
    let mut outcomes: Vec<_> =
        claimed.iter().map(|row| (row.fence, Fate::Delivered { confirmed_by_duplicate: false })).collect();
    outcomes.push((dead.fence, Fate::Dead { reason: rejected("refused"), may_have_landed: false }));
    assert_eq!(outbox.settle(&outcomes, at(3)).await.unwrap().applied, 3);
    assert_eq!(stored_bodies(&path), 3, "the two delivered rows' bodies are gone");

    outbox.requeue_dead(&RowFilter { event_id: Some("e2".into()), ..RowFilter::default() }, at(4)).await.unwrap();
    let again = outbox.claim(ClaimLimits { per_account: 10, total: 10 }, Duration::from_secs(30), at(5)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].body, events[2].body, "a requeued dead row is sent with its body");
    let dead_again = [(again[0].fence, Fate::Dead { reason: rejected("refused"), may_have_landed: false })];
    outbox.settle(&dead_again, at(6)).await.unwrap();
    outbox.purge(at(100)).await.unwrap();
    assert_eq!(stored_bodies(&path), 1, "the purged dead rows' bodies are gone; the claimed row keeps its own");
}

/// A change that fails does not fail the others committed in its group:
/// enqueues from many tasks at once share commits, one of them is refused
/// (by a trigger), and every other one is added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_change_does_not_fail_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let outbox = Arc::new(SqliteOutbox::open(&path).await.unwrap());
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON outbox WHEN NEW.event_id = 'poison' \
             BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
        )
        .unwrap();

    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let outbox = outbox.clone();
            tokio::spawn(async move {
                let id = if i == 100 { "poison".to_owned() } else { format!("e{i}") };
                (id.clone(), outbox.enqueue(&[event(1, &id)], at(0)).await)
            })
        })
        .collect();
    let mut refused = Vec::new();
    for task in tasks {
        let (id, enqueued) = task.await.unwrap();
        match enqueued {
            Ok(answer) => assert_eq!(answer, [Enqueued::Added], "{id}"),
            Err(error) => refused.push((id, error.to_string())),
        }
    }
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, "poison");
    assert!(refused[0].1.contains("poisoned"), "{refused:?}");
    assert_eq!(outbox.counts().await.unwrap().pending, 199);
}

/// The rows of the file at `path` as stored, every column, by id.
fn stored_rows(path: &Path) -> Vec<Vec<rusqlite::types::Value>> {
    let conn = Connection::open(path).unwrap();
    let mut select = conn.prepare("SELECT * FROM outbox ORDER BY id").unwrap();
    let columns = select.column_count();
    select
        .query_map([], |row| (0..columns).map(|i| row.get(i)).collect::<Result<Vec<_>, _>>())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// An outbox file from before the table was built again for cheaper writes
/// (ids from AUTOINCREMENT, the state checked with an `IN` list): every row
/// comes over as it was, with its body; a claim, a settlement and a purge
/// work on them; and no id is given again, neither that of a row purged
/// before the migration nor that of a row another connection added after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_from_before_the_rebuilt_table_come_over_and_no_id_is_given_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let conn = migrated_up_to(&path, 3);
    for (id, state, attempts, due_at, settled_at, landed) in [
        ("pending", "pending", 0, Some(1_i64), None, 0),
        ("claimed", "claimed", 2, Some(4_000_000_000_000_000), None, 1),
        ("dead", "dead", 1, None, Some(2), 1),
        ("delivered", "delivered", 1, None, Some(3), 0),
        ("purged", "delivered", 1, None, Some(4), 0),
    ] {
        conn.execute(
            "INSERT INTO outbox (portal, kind, event_type, event_id, state, attempts, enqueued_at, due_at, settled_at, \
                 last_error, may_have_landed) \
             VALUES (1, 'timeline', '1001', ?1, ?2, ?3, 0, ?4, ?5, 'why', ?6)",
            rusqlite::params![id, state, attempts, due_at, settled_at, landed],
        )
        .unwrap();
    }
    conn.execute_batch(
        "INSERT INTO outbox_body (id, body) SELECT id, CAST(event_id AS BLOB) FROM outbox WHERE state <> 'delivered'; \
         DELETE FROM outbox WHERE event_id = 'purged';",
    )
    .unwrap();
    drop(conn);
    let before = stored_rows(&path);
    assert_eq!(before.len(), 4);

    let outbox = SqliteOutbox::open(&path).await.unwrap();
    assert_eq!(stored_rows(&path), before, "every row, every column, as it was");
    assert_eq!(stored_bodies(&path), 3, "the bodies of the pending, claimed and dead rows");
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.pending, counts.claimed, counts.delivered, counts.dead), (1, 1, 1, 1));

    let claimed =
        outbox.claim(ClaimLimits { per_account: 10, total: 10 }, Duration::from_secs(30), at(0)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].key.event_id.as_str(), claimed[0].body.as_slice()), ("pending", &b"pending"[..]));
    let settled =
        outbox.settle(&[(claimed[0].fence, Fate::Delivered { confirmed_by_duplicate: false })], at(1)).await.unwrap();
    assert_eq!(settled.applied, 1);
    assert_eq!(stored_bodies(&path), 2, "a delivery still drops the body");

    // The purged row had id 5: the next row gets 6.
    assert_eq!(outbox.enqueue(&[event(1, "new")], at(2)).await.unwrap(), [Enqueued::Added]);
    let new = RowFilter { event_id: Some("new".into()), ..RowFilter::default() };
    assert_eq!(outbox.list(&new, 1).await.unwrap()[0].row, 6, "the purged row's id is not given again");
    // Another connection adds a row with a higher id; an enqueue goes above it.
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "INSERT INTO outbox (id, account, kind, event_type, event_id, state, enqueued_at, due_at) \
             VALUES (40, 1, 'timeline', '1001', 'outside', 'pending', 0, 0); \
             INSERT INTO outbox_body (id, body) VALUES (40, x'7b7d')",
        )
        .unwrap();
    assert_eq!(outbox.enqueue(&[event(1, "newer")], at(3)).await.unwrap(), [Enqueued::Added]);
    let newer = RowFilter { event_id: Some("newer".into()), ..RowFilter::default() };
    assert_eq!(outbox.list(&newer, 1).await.unwrap()[0].row, 41);

    // Purging everything settled does not make ids be given again.
    outbox.purge(at(1_000_000)).await.unwrap();
    drop(outbox);
    let outbox = SqliteOutbox::open(&path).await.unwrap();
    let claimed =
        outbox.claim(ClaimLimits { per_account: 10, total: 10 }, Duration::from_secs(30), at(4)).await.unwrap();
    let done: Vec<_> =
        claimed.iter().map(|row| (row.fence, Fate::Delivered { confirmed_by_duplicate: false })).collect();
    outbox.settle(&done, at(5)).await.unwrap();
    outbox.purge(at(1_000_000)).await.unwrap();
    assert_eq!(outbox.counts().await.unwrap().pending, 0);
    assert_eq!(outbox.enqueue(&[event(1, "last")], at(6)).await.unwrap(), [Enqueued::Added]);
    let last = RowFilter { event_id: Some("last".into()), ..RowFilter::default() };
    assert_eq!(outbox.list(&last, 1).await.unwrap()[0].row, 42, "ids go on above every id given before");
}

/// One outbox at a time claims from a file: a second one's claim fails,
/// naming the lock, while it may still read the file; once the first is
/// dropped, the second claims.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_outbox_at_a_time_claims_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.sqlite");
    let first = SqliteOutbox::open(&path).await.unwrap();
    first.enqueue(&[event(1, "a"), event(1, "b")], at(0)).await.unwrap();
    let limits = ClaimLimits { per_account: 1, total: 1 };
    assert_eq!(first.claim(limits, Duration::from_secs(30), at(1)).await.unwrap().len(), 1);

    let second = SqliteOutbox::open(&path).await.unwrap();
    let refused = second.claim(limits, Duration::from_secs(30), at(1)).await.unwrap_err().to_string();
    assert!(refused.contains("outbox.sqlite-claims"), "{refused}");
    let counts = second.counts().await.unwrap();
    assert_eq!((counts.pending, counts.claimed), (2, 0), "the first one's claim is in its own memory");

    drop(first);
    let claimed = second.claim(ClaimLimits { per_account: 2, total: 2 }, Duration::from_secs(30), at(1)).await.unwrap();
    assert_eq!(claimed.len(), 2, "the row the first one claimed and dropped is claimed at once");
}
