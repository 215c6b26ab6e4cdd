//! The official clients install and report what their batches met: here,
//! no answer at all, from a port nothing listens on.

use timeline_testkit::{OfficialClient, OfficialClients};

#[test]
fn both_clients_report_a_batch_that_got_no_answer() {
    let Some(clients) = OfficialClients::install() else { return };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let batches = r#"[[{"eventTemplateId": "1001298", "id": "a-1", "objectId": "5100001",
        "timestamp": "2026-05-04T09:15:00.000Z", "tokens": {"petName": "Rex"}}]]"#;
    for client in [OfficialClient::Node, OfficialClient::Python] {
        let outcomes = clients.send_batches(client, &url, "token", batches, 1);
        assert_eq!(outcomes.len(), 1, "{client:?}: {outcomes:?}");
        assert_eq!((outcomes[0].batch, outcomes[0].status), (0, None), "{client:?}: {outcomes:?}");
        assert!(outcomes[0].message.as_ref().is_some_and(|message| !message.is_empty()), "{client:?}: {outcomes:?}");
    }
}
