//! Group commits of `Outbox::enqueue`: enqueues waiting at the same moment
//! share statements (counted by a statement-level trigger), each gets its
//! own answer, and one that fails does not fail the others of its group.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{at, event, outbox};
use timeline_dispatch::{Enqueued, Outbox};

const TASKS: usize = 200;

/// Counts the INSERT statements on the outbox's table in `inserts`.
async fn count_insert_statements(pool: &sqlx::PgPool) {
    for statement in [
        "CREATE TABLE timeline_outbox.inserts (n int NOT NULL)",
        "INSERT INTO timeline_outbox.inserts VALUES (0)",
        "CREATE FUNCTION timeline_outbox.count_insert() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN UPDATE timeline_outbox.inserts SET n = n + 1; RETURN NULL; END $$",
        "CREATE TRIGGER count_insert AFTER INSERT ON timeline_outbox.events
             FOR EACH STATEMENT EXECUTE FUNCTION timeline_outbox.count_insert()",
    ] {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
}

async fn insert_statements(pool: &sqlx::PgPool) -> i32 {
    sqlx::query_scalar("SELECT n FROM timeline_outbox.inserts").fetch_one(pool).await.unwrap()
}

/// Enqueues `ids` from a task each, while another transaction holds the
/// table, so they all wait together; returns each task's answer.
async fn enqueue_while_the_table_is_held(
    pool: &sqlx::PgPool,
    outbox: &Arc<timeline_postgres::PgOutbox>,
    ids: Vec<String>,
) -> Vec<(String, Result<Vec<Enqueued>, timeline_dispatch::Error>)> {
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE timeline_outbox.events IN SHARE ROW EXCLUSIVE MODE").execute(&mut *holder).await.unwrap();
    let polled = Arc::new(AtomicUsize::new(0));
    let count = ids.len();
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let outbox = Arc::clone(outbox);
            let polled = Arc::clone(&polled);
            tokio::spawn(async move {
                let events = [event(1, &id)];
                let mut enqueue = outbox.enqueue(&events, at(0));
                let mut first = true;
                let answer = std::future::poll_fn(|cx| {
                    let poll = enqueue.as_mut().poll(cx);
                    if std::mem::take(&mut first) {
                        polled.fetch_add(1, Ordering::SeqCst);
                    }
                    poll
                })
                .await;
                (id, answer)
            })
        })
        .collect();
    // An enqueue hands its event over on its first poll: every task has
    // before the table is let go.
    while polled.load(Ordering::SeqCst) < count {
        tokio::task::yield_now().await;
    }
    holder.rollback().await.unwrap();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_enqueues_share_statements() {
    let Some((_db, outbox)) = outbox("group_commits::share").await else { return };
    let pool = outbox.pool().clone();
    count_insert_statements(&pool).await;
    let outbox = Arc::new(outbox);
    let ids: Vec<String> = (0..TASKS).map(|n| format!("e{n}")).collect();
    let answers = enqueue_while_the_table_is_held(&pool, &outbox, ids).await;
    for (id, answer) in &answers {
        assert_eq!(answer.as_ref().unwrap(), &[Enqueued::Added], "{id}");
    }
    let statements = insert_statements(&pool).await;
    assert!(statements < (TASKS / 10) as i32, "{TASKS} enqueues took {statements} statements");
    assert_eq!(outbox.counts().await.unwrap().pending, TASKS as u64);
    // An enqueue of keys already there says so, grouped or not.
    let again = outbox.enqueue(&[event(1, "e0"), event(1, "new")], at(1)).await.unwrap();
    assert_eq!(again, [Enqueued::AlreadyThere, Enqueued::Added]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_enqueue_does_not_fail_its_group() {
    let Some((_db, outbox)) = outbox("group_commits::poison").await else { return };
    let pool = outbox.pool().clone();
    for statement in [
        "CREATE FUNCTION timeline_outbox.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN IF NEW.event_id = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON timeline_outbox.events
             FOR EACH ROW EXECUTE FUNCTION timeline_outbox.refuse_poison()",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    let outbox = Arc::new(outbox);
    let ids: Vec<String> = (0..TASKS).map(|n| if n == 100 { "poison".to_owned() } else { format!("e{n}") }).collect();
    let answers = enqueue_while_the_table_is_held(&pool, &outbox, ids).await;
    let refused: Vec<&str> = answers.iter().filter(|(_, answer)| answer.is_err()).map(|(id, _)| id.as_str()).collect();
    assert_eq!(refused, ["poison"]);
    assert_eq!(outbox.counts().await.unwrap().pending, TASKS as u64 - 1);
}
