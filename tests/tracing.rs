//! The client's `tracing` spans: one per batch request, with its counts and
//! status, and no secrets in any span or event.

mod common;

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use hubspot_timeline::{Client, SendAll};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every span and event of the client crate as text lines.
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: Arc<Mutex<u64>>,
}

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Capture {
    fn push(&self, head: String, fields: impl FnOnce(&mut Line)) {
        let mut line = Line(head);
        fields(&mut line);
        self.lines.lock().unwrap().push(line.0);
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

impl Subscriber for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("timeline_core")
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.push(format!("span {}", span.metadata().name()), |line| span.record(line));
        let mut next = self.next_id.lock().unwrap();
        *next += 1;
        Id::from_u64(*next)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        self.push(format!("record {}", span.into_u64()), |line| values.record(line));
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        self.push("event".to_owned(), |line| event.record(line));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn batch_spans_carry_counts_and_status_and_no_secrets() {
    let capture = Capture::default();
    let _default = tracing::subscriber::set_default(capture.clone());

    let sandbox = sandbox().oauth_client("client-id", "client-secret-c4f3").start().await.unwrap();
    let client = Client::builder()
        .oauth("client-id", "client-secret-c4f3", "refresh-token-b00c")
        .base_url(sandbox.url())
        .retry(fast_retry())
        .batch_size(10)
        .build()
        .unwrap();
    let mut events = adoptions(25);
    events[3].breed = Breed::Poodle;
    let report = events.send_all(&client).await.unwrap();
    assert_eq!(report.created_count(), 24);
    tokio::time::sleep(Duration::from_millis(10)).await;

    let lines = capture.lines();
    let batch_spans = lines.iter().filter(|line| line.starts_with("span timeline.batch")).count();
    assert_eq!(batch_spans, 3, "{lines:#?}");
    assert!(lines.iter().any(|line| line.contains("inputs=10")), "{lines:#?}");
    assert!(lines.iter().any(|line| line.contains("status=207")), "{lines:#?}");
    assert!(lines.iter().any(|line| line.ends_with(" created=9")), "{lines:#?}");
    assert!(lines.iter().any(|line| line.ends_with(" failed=1")), "{lines:#?}");
    assert_eq!(sandbox.stats().tokens_issued, 1);
    for line in &lines {
        for secret in ["client-secret-c4f3", "refresh-token-b00c", "sbx-at-", "Bearer"] {
            assert!(!line.contains(secret), "a secret leaked into a trace: {line}");
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn account_spans_carry_the_account_and_no_secrets() {
    use hubspot_timeline::App;
    use hubspot_timeline::accounts::{AccountTokens, MemoryTokenStore};

    let capture = Capture::default();
    let _default = tracing::subscriber::set_default(capture.clone());

    let sandbox = timeline_sandbox::Sandbox::builder()
        .templates(templates())
        .oauth_client("client-id", "client-secret-c4f3")
        .no_rate_limit()
        .start()
        .await
        .unwrap();
    let store = Arc::new(MemoryTokenStore::new());
    let mut secrets = vec!["client-secret-c4f3".to_owned()];
    for account in [101, 202] {
        let grant = sandbox.grant(account);
        secrets.extend([grant.access_token.clone(), grant.refresh_token.clone()]);
        let expired = chrono::Utc::now() - chrono::Duration::minutes(1);
        store.insert(account, AccountTokens::new(grant.access_token, expired, grant.refresh_token));
    }
    sandbox.revoke(202);
    let app = App::builder()
        .client_id("client-id")
        .client_secret("client-secret-c4f3")
        .token_store(Arc::clone(&store) as Arc<_>)
        .client(Client::builder().base_url(sandbox.url()).retry(fast_retry()))
        .build()
        .unwrap();
    let report = app.send_all([(101, adoption(1)), (202, adoption(2))]).await.unwrap();
    assert_eq!((report.created_count(), report.failed_count()), (1, 1));
    secrets.push(store.get(101).unwrap().access_token);

    let lines = capture.lines();
    assert!(lines.iter().any(|line| line.starts_with("span timeline.batch account=101")), "{lines:#?}");
    assert!(lines.iter().any(|line| line.contains("account=202") && line.contains("revoked")), "{lines:#?}");
    for line in &lines {
        for secret in secrets.iter().map(String::as_str).chain(["Bearer"]) {
            assert!(!line.contains(secret), "a secret leaked into a trace: {line}");
        }
    }
    sandbox.shutdown().await;
}
