//! `GET /admin/login`: the login form, with a CSRF token of its own (a
//! cookie and a hidden field that must match).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use maud::html;

use crate::console::Pages;
use crate::console::access::{CONSOLE, LOGIN_COOKIE, set_cookie};
use crate::console::layout;
use crate::console::sessions::random_secret;

/// How long the login form's CSRF cookie lives, in seconds.
const LOGIN_FORM_SECONDS: u64 = 30 * 60;

/// The login form.
pub(crate) async fn form(State(pages): State<Arc<Pages>>) -> Response {
    login_page(&pages, StatusCode::OK, None)
}

/// The login form with `status` and an `error` to show; a new CSRF token each time.
pub(crate) fn login_page(pages: &Pages, status: StatusCode, error: Option<&str>) -> Response {
    let csrf = random_secret();
    let body = html! {
        main.login {
            div.panel {
                h1 { "Timeline relay" }
                p.muted { "Log in with the console's admin or read-only token." }
                @if let Some(error) = error { p.error role="alert" { (error) } }
                form method="post" action={ (CONSOLE) "/login" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="token" { "Token" }
                    input #token type="password" name="token" autocomplete="current-password" required autofocus;
                    button type="submit" { "Log in" }
                }
            }
        }
    };
    let mut response = layout::document("Log in", status, body);
    let cookie = set_cookie(LOGIN_COOKIE, &csrf, LOGIN_FORM_SECONDS, pages.console.state.secure_cookies);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}
