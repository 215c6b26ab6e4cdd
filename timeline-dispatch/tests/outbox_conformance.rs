//! The rules of the `Outbox` trait, on the memory and the SQLite outbox (a
//! real file per rule).

use timeline_dispatch::conformance::check_outbox;
use timeline_dispatch::{MemoryOutbox, SqliteOutbox};

#[tokio::test]
async fn the_memory_outbox_keeps_the_rules() {
    check_outbox(|| async { MemoryOutbox::new() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_outbox_keeps_the_rules() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let counter = std::sync::atomic::AtomicUsize::new(0);
    check_outbox(|| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.path().join(format!("outbox-{n}.sqlite"));
        async move { SqliteOutbox::open(path).await.expect("open the SQLite outbox") }
    })
    .await;
}
