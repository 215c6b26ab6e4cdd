//! Event template and token routes of an app.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use timeline_core::wire::{
    CollectionResponseTimelineEventTemplateNoPaging, TimelineEventTemplate, TimelineEventTemplateCreateRequest,
    TimelineEventTemplateToken, TimelineEventTemplateTokenUpdateRequest, TimelineEventTemplateUpdateRequest,
};
use timeline_template::{Token, TokenOption, rules};

use super::{parse_json, read_body};
use crate::reply::{self, Refusal};
use crate::state::State;

/// `GET …/{app_id}/event-templates`.
pub(super) async fn list(Shared(state): Shared<Arc<State>>, Path(app_id): Path<String>) -> Response {
    if let Err(refused) = check_app(&state, &app_id) {
        return refused.into_response();
    }
    Json(CollectionResponseTimelineEventTemplateNoPaging::new(state.templates().all())).into_response()
}

/// `POST …/{app_id}/event-templates`: 201 with the new template.
pub(super) async fn create(Shared(state): Shared<Arc<State>>, Path(app_id): Path<String>, body: Body) -> Response {
    let request: TimelineEventTemplateCreateRequest = match read_request(&state, &app_id, body).await {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    if let Err(problem) = rules::template(&request.name, &request.object_type, &tokens(&request.tokens)) {
        return invalid(problem);
    }
    let template = TimelineEventTemplate {
        id: String::new(),
        name: request.name,
        object_type: request.object_type,
        tokens: request.tokens,
        header_template: request.header_template,
        detail_template: request.detail_template,
        created_at: None,
        updated_at: None,
    };
    match state.templates_mut().create(template) {
        Ok(created) => (StatusCode::CREATED, Json(created)).into_response(),
        Err(problem) => invalid(problem),
    }
}

/// `GET …/{app_id}/event-templates/{template_id}`.
pub(super) async fn get(
    Shared(state): Shared<Arc<State>>,
    Path((app_id, template_id)): Path<(String, String)>,
) -> Response {
    if let Err(refused) = check_app(&state, &app_id) {
        return refused.into_response();
    }
    match state.templates().get(&template_id) {
        Some(template) => Json(template).into_response(),
        None => no_template(&template_id),
    }
}

/// `PUT …/{app_id}/event-templates/{template_id}`: the object type cannot change,
/// nor the type of a token that keeps its name.
pub(super) async fn update(
    Shared(state): Shared<Arc<State>>,
    Path((app_id, template_id)): Path<(String, String)>,
    body: Body,
) -> Response {
    let request: TimelineEventTemplateUpdateRequest = match read_request(&state, &app_id, body).await {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    if request.id != template_id {
        return invalid(format!(
            "the body's `id` ({}) must be the template id of the path ({template_id})",
            request.id
        ));
    }
    let changed = state.templates_mut().update(&template_id, |template| {
        rules::template(&request.name, &template.object_type, &tokens(&request.tokens))
            .map_err(|problem| Refusal::from(invalid(problem)))?;
        let now = Utc::now();
        let mut tokens = request.tokens;
        for token in &mut tokens {
            match template.tokens.iter().find(|old| old.name == token.name) {
                Some(old) if old.kind != token.kind => {
                    return Err(invalid(format!(
                        "token `{}` is a {} token and its type cannot change; delete it and create a new token",
                        token.name, old.kind
                    ))
                    .into());
                }
                Some(old) => token.created_at = old.created_at.or(Some(now)),
                None => token.created_at = Some(now),
            }
            token.updated_at = Some(now);
        }
        template.name = request.name;
        template.tokens = tokens;
        template.header_template = request.header_template;
        template.detail_template = request.detail_template;
        template.updated_at = Some(now);
        Ok(Json(template.clone()).into_response())
    });
    answer(changed, &template_id)
}

/// `DELETE …/{app_id}/event-templates/{template_id}`: 204; its events go too.
pub(super) async fn delete(
    Shared(state): Shared<Arc<State>>,
    Path((app_id, template_id)): Path<(String, String)>,
) -> Response {
    if let Err(refused) = check_app(&state, &app_id) {
        return refused.into_response();
    }
    let mut templates = state.templates_mut();
    if !templates.remove(&template_id) {
        return no_template(&template_id);
    }
    state.events().remove_template(&template_id);
    StatusCode::NO_CONTENT.into_response()
}

/// `POST …/event-templates/{template_id}/tokens`: 200 with the new token.
pub(super) async fn create_token(
    Shared(state): Shared<Arc<State>>,
    Path((app_id, template_id)): Path<(String, String)>,
    body: Body,
) -> Response {
    let mut token: TimelineEventTemplateToken = match read_request(&state, &app_id, body).await {
        Ok(token) => token,
        Err(refused) => return refused.into_response(),
    };
    if let Err(problem) = rules::token(&Token::from(&token)) {
        return invalid(problem);
    }
    let changed = state.templates_mut().update(&template_id, |template| {
        if template.tokens.iter().any(|old| old.name == token.name) {
            return Err(invalid(format!(
                "template {template_id} already has a token `{}`; update it instead",
                token.name
            ))
            .into());
        }
        let now = Some(Utc::now());
        (token.created_at, token.updated_at) = (now, now);
        template.tokens.push(token.clone());
        template.updated_at = now;
        Ok(Json(token).into_response())
    });
    answer(changed, &template_id)
}

/// `PUT …/tokens/{token_name}`: label, options and property; name and type stay.
pub(super) async fn update_token(
    Shared(state): Shared<Arc<State>>,
    Path((app_id, template_id, token_name)): Path<(String, String, String)>,
    body: Body,
) -> Response {
    let request: TimelineEventTemplateTokenUpdateRequest = match read_request(&state, &app_id, body).await {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    let changed = state.templates_mut().update(&template_id, |template| {
        let Some(token) = template.tokens.iter_mut().find(|token| token.name == token_name) else {
            return Err(no_token(&template_id, &token_name).into());
        };
        if request.label.trim().is_empty() {
            return Err(invalid(format!("token `{token_name}` needs a `label`")).into());
        }
        let options: Vec<TokenOption> = request
            .options
            .iter()
            .map(|option| TokenOption { label: option.label.clone(), value: option.value.clone() })
            .collect();
        rules::options(&token_name, token.kind, &options).map_err(|problem| Refusal::from(invalid(problem)))?;
        token.label = request.label;
        token.options = request.options;
        token.object_property_name = request.object_property_name;
        token.updated_at = Some(Utc::now());
        let token = token.clone();
        template.updated_at = token.updated_at;
        Ok(Json(token).into_response())
    });
    answer(changed, &template_id)
}

/// `DELETE …/tokens/{token_name}`: 204.
pub(super) async fn delete_token(
    Shared(state): Shared<Arc<State>>,
    Path((app_id, template_id, token_name)): Path<(String, String, String)>,
) -> Response {
    if let Err(refused) = check_app(&state, &app_id) {
        return refused.into_response();
    }
    let changed = state.templates_mut().update(&template_id, |template| {
        let before = template.tokens.len();
        template.tokens.retain(|token| token.name != token_name);
        if template.tokens.len() == before {
            return Err(no_token(&template_id, &token_name).into());
        }
        template.updated_at = Some(Utc::now());
        Ok(StatusCode::NO_CONTENT.into_response())
    });
    answer(changed, &template_id)
}

/// The answer to a change of the template `template_id`: what the change
/// answered or its refusal, or 404 when there is no such template.
fn answer(changed: Option<Result<Response, Refusal>>, template_id: &str) -> Response {
    match changed {
        Some(Ok(answer)) => answer,
        Some(Err(refused)) => refused.into_response(),
        None => no_template(template_id),
    }
}

/// Tokens as a definition holds them, for its rules.
fn tokens(tokens: &[TimelineEventTemplateToken]) -> Vec<Token> {
    tokens.iter().map(Token::from).collect()
}

/// Checks the app id of the path, then reads the JSON body.
async fn read_request<T: serde::de::DeserializeOwned>(state: &State, app_id: &str, body: Body) -> Result<T, Refusal> {
    check_app(state, app_id)?;
    let bytes = read_body(body, state.config.max_body_bytes).await?;
    parse_json(&bytes)
}

/// Refuses an app id that is not an `int32` (HubSpot's schema type for
/// `appId`), or not the configured app.
fn check_app(state: &State, app_id: &str) -> Result<(), Refusal> {
    let Ok(number) = app_id.parse::<i32>() else {
        return Err(reply::error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!(
                "The app id `{app_id}` in the path is not a valid appId: it must be a whole number from {} to {} \
                 (an int32).",
                i32::MIN,
                i32::MAX
            ),
        )
        .into());
    };
    match state.config.app_id {
        Some(configured) if configured != number => Err(reply::error(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("App {number} does not exist or does not belong to this developer account."),
        )
        .into()),
        _ => Ok(()),
    }
}

fn invalid(problem: String) -> Response {
    reply::error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", problem)
}

fn no_template(template_id: &str) -> Response {
    reply::error(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", format!("Event template {template_id} does not exist."))
}

fn no_token(template_id: &str, token_name: &str) -> Response {
    reply::error(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        format!("Event template {template_id} has no token `{token_name}`."),
    )
}
