//! What the Postgres outbox tests share: a migrated outbox in a database of
//! the test's own, events, and the signup event the app tests send.

#![allow(dead_code, reason = "each test file uses its own part of this module")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hubspot_timeline::TimelineEvent;
use hubspot_timeline::wire::TimelineEventTemplate;
use timeline_dispatch::{EventKey, EventKind, NewEvent};
use timeline_postgres::PgOutbox;
use timeline_testkit::TestDb;

/// A migrated outbox in a fresh database named after `test`, with the
/// database (which keeps the shared server running); `None` where Postgres
/// is not installed (and `CI` is not `true`).
pub async fn outbox(test: &str) -> Option<(TestDb, PgOutbox)> {
    let db = TestDb::new(test).await?;
    let outbox = PgOutbox::new(db.pool().await);
    outbox.migrate().await.expect("migrate");
    Some((db, outbox))
}

/// A whole second, as the outbox keeps it exactly.
pub fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_780_000_000 + seconds)
}

/// The event `id` of `account`, whose body names both.
pub fn event(account: u64, id: &str) -> NewEvent {
    NewEvent {
        key: EventKey {
            account: account.into(),
            kind: EventKind::Timeline,
            event_type: "1001".to_owned(),
            event_id: id.to_owned(),
        },
        body: format!(r#"{{"eventTemplateId":"1001","id":"{id}","objectId":{account}}}"#).into_bytes(),
    }
}

/// A signup of the contacts template `2001001` ([`signup_template`]).
#[derive(Debug, Clone, TimelineEvent)]
#[timeline(template_id = "2001001", rename_all = "camelCase")]
pub struct Signup {
    #[timeline(object_id)]
    pub contact_id: u64,
    #[timeline(id)]
    pub signup_id: String,
    pub plan: String,
}

/// The template of [`Signup`], for the sandbox.
pub fn signup_template() -> TimelineEventTemplate {
    serde_json::from_str(
        r#"{"id":"2001001","name":"Signup","objectType":"contacts","tokens":[
            {"name":"plan","label":"Plan","type":"string"}]}"#,
    )
    .expect("a valid template")
}
