//! The template and token calls, with a developer key and with a bearer token.

mod common;

use common::*;
use hubspot_timeline::events::TokenKind;
use hubspot_timeline::wire::{
    TimelineEventTemplateCreateRequest, TimelineEventTemplateToken, TimelineEventTemplateTokenOption,
    TimelineEventTemplateTokenUpdateRequest, TimelineEventTemplateUpdateRequest,
};
use hubspot_timeline::{Client, Error};

const APP_ID: i32 = 4242;

fn token(name: &str, kind: TokenKind) -> TimelineEventTemplateToken {
    TimelineEventTemplateToken {
        name: name.to_owned(),
        label: name.to_owned(),
        kind,
        options: Vec::new(),
        object_property_name: None,
        created_at: None,
        updated_at: None,
    }
}

async fn full_cycle(client: &Client) {
    let templates = client.templates(APP_ID);
    let listed = templates.list().await.unwrap();
    let mut ids: Vec<String> = listed.iter().map(|template| template.id.clone()).collect();
    ids.sort();
    assert_eq!(ids, ["1001298", "1004521"]);

    let created = templates
        .create(&TimelineEventTemplateCreateRequest {
            name: "Webinar joined".into(),
            object_type: "contacts".into(),
            tokens: vec![token("webinarName", TokenKind::String)],
            header_template: Some("Joined {{webinarName}}".into()),
            detail_template: None,
        })
        .await
        .unwrap();
    assert_eq!(templates.get(&created.id).await.unwrap().name, "Webinar joined");

    let updated = templates
        .update(
            &created.id,
            &TimelineEventTemplateUpdateRequest {
                id: created.id.clone(),
                name: "Webinar attended".into(),
                tokens: created.tokens.clone(),
                header_template: created.header_template.clone(),
                detail_template: Some("Stayed {{minutes}} minutes".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Webinar attended");

    let mut level = token("level", TokenKind::Enumeration);
    level.options = vec![TimelineEventTemplateTokenOption { label: "Basic".into(), value: "basic".into() }];
    assert_eq!(templates.create_token(&created.id, &level).await.unwrap().name, "level");
    let relabelled = templates
        .update_token(
            &created.id,
            "level",
            &TimelineEventTemplateTokenUpdateRequest {
                label: "Level".into(),
                options: level.options.clone(),
                object_property_name: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(relabelled.label, "Level");
    templates.delete_token(&created.id, "level").await.unwrap();
    let names: Vec<String> =
        templates.get(&created.id).await.unwrap().tokens.into_iter().map(|token| token.name).collect();
    assert_eq!(names, ["webinarName"]);

    templates.delete(&created.id).await.unwrap();
    let missing = templates.get(&created.id).await.unwrap_err();
    assert!(matches!(missing, Error::Api { status: 404, .. }), "{missing:?}");
}

#[tokio::test]
async fn templates_and_tokens_with_a_developer_key() {
    let sandbox = sandbox().start().await.unwrap();
    let client = Client::builder().developer_key("dev-key").base_url(sandbox.url()).retry(fast_retry()).build();
    full_cycle(&client.unwrap()).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn templates_and_tokens_with_a_bearer_token() {
    let sandbox = sandbox().start().await.unwrap();
    full_cycle(&client_builder(&sandbox).build().unwrap()).await;
    sandbox.shutdown().await;
}
