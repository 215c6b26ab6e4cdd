//! The rules of the `Outbox` trait (timeline-dispatch's conformance suite)
//! on the Postgres outbox: a fresh schema per rule, in one database.

use std::sync::atomic::{AtomicUsize, Ordering};

use timeline_dispatch::conformance::check_outbox;
use timeline_postgres::PgOutbox;
use timeline_testkit::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_outbox_keeps_the_rules() {
    let Some(db) = TestDb::new("conformance::rules").await else { return };
    let pool = db.pool().await;
    let rules = AtomicUsize::new(0);
    check_outbox(|| {
        let schema = format!("rule_{}", rules.fetch_add(1, Ordering::Relaxed));
        let pool = pool.clone();
        async move {
            let outbox = PgOutbox::with_schema(pool, &schema).expect("a plain schema name");
            outbox.migrate().await.expect("migrate");
            outbox
        }
    })
    .await;
    assert!(rules.load(Ordering::Relaxed) > 10, "the suite ran its rules");
}
