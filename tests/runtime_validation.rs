//! Runtime validation: a client that knows templates checks events against
//! them before sending. Bad events fail in the report and never reach the
//! sandbox; good ones land; events of unknown templates go unchecked.

mod common;

use common::*;
use hubspot_timeline::events::TemplateFile;
use hubspot_timeline::send::{AnyEvent, FailureReason, Outcome};
use hubspot_timeline::templates::TemplateViolation;
use hubspot_timeline::wire::TimelineEventTemplate;
use hubspot_timeline::{Client, Error, SendAll, TimelineEvent};

/// A contacts template with a date token, known to client and sandbox.
fn reminder_template() -> TimelineEventTemplate {
    let json = r#"{"id": "1007001", "name": "Reminder", "objectType": "contacts",
        "tokens": [{"name": "dueOn", "label": "Due on", "type": "date"}]}"#;
    TemplateFile::parse(json).unwrap().into_template(None).unwrap()
}

/// An event assembled at run time: its date is text from elsewhere.
#[derive(Debug, Clone, TimelineEvent)]
#[timeline(template_id = "1007001", rename_all = "camelCase")]
struct Reminder {
    #[timeline(email)]
    email: String,
    #[timeline(id)]
    id: String,
    due_on: String,
}

/// A token name with a typo, on the pet template.
#[derive(Debug, Clone, TimelineEvent)]
#[timeline(template_id = "1001298")]
struct Misspelled {
    #[timeline(object_id)]
    contact_id: u64,
    #[timeline(id)]
    id: String,
    #[timeline(rename = "petNmae")]
    pet_name: String,
}

/// A contact email on the deals template.
#[derive(Debug, Clone, TimelineEvent)]
#[timeline(template_id = "1004521")]
struct DealByEmail {
    #[timeline(email)]
    email: String,
    #[timeline(id)]
    id: String,
}

/// A template neither the client nor the sandbox knows.
#[derive(Debug, Clone, TimelineEvent)]
#[timeline(template_id = "1009999")]
struct Unknown {
    #[timeline(object_id)]
    contact_id: u64,
    #[timeline(id)]
    id: String,
}

/// Writes the sandbox's templates as files, as `timeline templates pull` does.
fn template_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("timeline-runtime-validation-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for template in templates().into_iter().chain([reminder_template()]) {
        std::fs::write(dir.join(format!("{}.json", template.id)), serde_json::to_string_pretty(&template).unwrap())
            .unwrap();
    }
    dir
}

fn violations(reason: &FailureReason) -> &[TemplateViolation] {
    match reason {
        FailureReason::TemplateMismatch { violations } => violations,
        other => panic!("expected a template mismatch, got {other}"),
    }
}

#[tokio::test]
async fn bad_events_fail_unsent_and_the_rest_of_the_batch_lands() {
    let sandbox = sandbox().template(reminder_template()).start().await.unwrap();
    let dir = template_dir("batch");
    let client = client_builder(&sandbox).templates_from_dir(&dir).build().unwrap();

    let mut poodle = adoption(1);
    poodle.breed = Breed::Poodle;
    let events = vec![
        AnyEvent::new(adoption(0)),
        AnyEvent::new(poodle),
        AnyEvent::new(BuildFinished { deal_id: 7, build_number: 12, duration_seconds: "fast".to_owned() }),
        AnyEvent::new(BuildFinished { deal_id: 8, build_number: 13, duration_seconds: 41.5 }),
        AnyEvent::new(Reminder { email: "ada@example.com".into(), id: "r-1".into(), due_on: "1777886100000".into() }),
        AnyEvent::new(Reminder { email: "ada@example.com".into(), id: "r-2".into(), due_on: "next tuesday".into() }),
        AnyEvent::new(Misspelled { contact_id: 3, id: "m-1".into(), pet_name: "Rex".into() }),
        AnyEvent::new(DealByEmail { email: "bob@example.com".into(), id: "d-1".into() }),
        AnyEvent::new(Unknown { contact_id: 4, id: "u-1".into() }),
        AnyEvent::new(adoption(2)),
    ];
    let report = events.send_all(&client).await.unwrap();

    assert_eq!(report.total(), 10);
    assert_eq!(report.created_count(), 4, "{:?}", report.failed());
    let failed: Vec<usize> = report.failed().iter().map(|failure| failure.index).collect();
    assert_eq!(failed, [1, 2, 5, 6, 7, 8]);
    let reasons: Vec<&FailureReason> = report.failed().iter().map(|failure| &*failure.reason).collect();
    assert!(
        matches!(violations(reasons[0]), [TemplateViolation::NotAnOption { token, value, options }]
            if token == "breed" && value == "poodle" && options == &["golden-retriever", "beagle"]),
        "{}",
        reasons[0]
    );
    assert!(
        matches!(violations(reasons[1]), [TemplateViolation::NotANumber { token, .. }] if token == "durationSeconds")
    );
    assert!(matches!(violations(reasons[2]), [TemplateViolation::NotADate { value, .. }] if value == "next tuesday"));
    assert!(
        matches!(violations(reasons[3]), [TemplateViolation::UnknownToken { token, known }]
            if token == "petNmae" && known.iter().any(|name| name == "petName")),
        "{}",
        reasons[3]
    );
    assert!(matches!(
        violations(reasons[4]),
        [TemplateViolation::ContactTargetOnOtherObject { field: "email", object_type }] if object_type == "deals"
    ));
    assert!(
        matches!(reasons[5], FailureReason::Validation { message, .. } if message.contains("1009999")),
        "an event of a template the client does not know is sent unchecked and refused by the server: {}",
        reasons[5]
    );
    assert!(report.failed()[0].id.is_some(), "a checked event still has its id");

    // The sandbox received the four good events and the unchecked one, nothing else.
    let stats = sandbox.stats();
    assert_eq!(stats.inputs_received, 5, "{stats:?}");
    assert_eq!(stats.inputs_stored, 4, "{stats:?}");
    assert_eq!(stored_ids(&sandbox, "1001298"), ["adoption-0", "adoption-2"].map(String::from).into());
    assert_eq!(stored_ids(&sandbox, "1007001"), ["r-1".to_owned()].into());
    assert_eq!(stored_ids(&sandbox, "1004521").len(), 1);
    sandbox.shutdown().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_bad_event_alone_costs_no_request() {
    let sandbox = sandbox().start().await.unwrap();
    let pet = templates().remove(0);
    let client = client_builder(&sandbox).template(pet).build().unwrap();
    let mut poodle = adoption(9);
    poodle.breed = Breed::Poodle;

    let outcome = client.send(&poodle).await.unwrap();
    let Outcome::Failed(failure) = outcome else { panic!("the event does not fit its template: {outcome:?}") };
    assert!(failure.reason.to_string().contains("got \"poodle\""), "{}", failure.reason);
    assert!(!failure.reason.may_have_landed());
    assert_eq!(sandbox.stats().requests, 0);

    assert!(matches!(client.send(&adoption(10)).await.unwrap(), Outcome::Created(_)));
    assert_eq!(sandbox.stats().requests, 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_broken_template_file_stops_the_build_naming_the_file() {
    let dir = template_dir("broken");
    std::fs::write(dir.join("zz-broken.json"), r#"{"id": "12", "name": "x"}"#).unwrap();
    let result = Client::builder().access_token(TOKEN).templates_from_dir(&dir).build();
    let Err(Error::Config { message, source: Some(source) }) = result else {
        panic!("a broken file is a configuration error with its cause: {result:?}")
    };
    assert!(message.contains("zz-broken.json") && message.contains("objectType"), "{message}");
    assert!(source.get().is::<hubspot_timeline::events::TemplateFileError>(), "{source:?}");
    std::fs::remove_dir_all(dir).unwrap();
}
