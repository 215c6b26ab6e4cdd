//! `POST /admin/login` (a token for a session cookie) and
//! `POST /admin/logout`.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::console::Pages;
use crate::console::access::{
    CONSOLE, LOGIN_COOKIE, Refusal, SESSION_COOKIE, Secret, cookie, session_name, set_cookie,
};
use crate::console::error::ConsoleError;
use crate::console::pages::login::login_page;

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
}

/// The logout form's field.
#[derive(Debug, Deserialize)]
pub(crate) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Opens a session for a token of the console's, after checking the
/// form's CSRF token against its cookie; the form again (401) for any other.
pub(crate) async fn log_in(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, ConsoleError> {
    let expected = cookie(&headers, LOGIN_COOKIE).filter(|expected| !expected.is_empty());
    if !expected.is_some_and(|expected| Secret::new(expected.to_owned()).matches(&form.csrf)) {
        return Err(Refusal::Csrf.into());
    }
    let state = &pages.console.state;
    let Some(role) = state.tokens.role_of(&form.token) else {
        tracing::warn!(target: "timeline_relay::console", "a console login with a wrong token");
        return Ok(login_page(&pages, StatusCode::UNAUTHORIZED, Some("That token is not valid.")));
    };
    let id = state.sessions.open(role);
    state.audit.record(&session_name(&id), format!("logged in ({})", role.name()), 0);
    let mut response = Redirect::to(CONSOLE).into_response();
    let lifetime = state.sessions.lifetime().as_secs();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &id, lifetime, state.secure_cookies));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0, state.secure_cookies));
    Ok(response)
}

/// Ends the request's session (its form's CSRF token checked).
pub(crate) async fn log_out(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Result<Response, ConsoleError> {
    let operator = pages.console.operator(&headers)?;
    let state = &pages.console.state;
    let (Some(csrf), Some(id)) = (&operator.csrf, cookie(&headers, SESSION_COOKIE)) else {
        return Err(ConsoleError::BadRequest("Only a login session can log out.".to_owned()));
    };
    if !Secret::new(csrf.clone()).matches(&form.csrf) {
        return Err(Refusal::Csrf.into());
    }
    state.sessions.close(id);
    state.audit.record(&operator.who, "logged out".to_owned(), 0);
    let mut response = Redirect::to(&format!("{CONSOLE}/login")).into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies));
    Ok(response)
}
