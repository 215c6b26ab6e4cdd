//! Who may use the console: the admin token and the read-only token
//! (compared in constant time), the sessions a login opens (a cookie), and
//! the CSRF token every form of a session carries.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq;

use crate::callers::bearer;
use crate::console::role::Role;
use crate::console::sessions::Sessions;

/// The cookie holding a session's id.
pub(crate) const SESSION_COOKIE: &str = "timeline_console";

/// The cookie holding the login form's CSRF token, before any session.
pub(crate) const LOGIN_COOKIE: &str = "timeline_console_login";

/// The console's paths.
pub(crate) const CONSOLE: &str = "/admin";

/// A secret the console was given: never shown, in `Debug` either.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(secret: String) -> Self {
        Secret(secret)
    }

    /// Whether `offered` is this secret, in time that does not depend on
    /// where they differ.
    pub(crate) fn matches(&self, offered: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(offered.as_bytes()))
    }

    /// Whether `other` is the same secret.
    pub(crate) fn same_as(&self, other: &Secret) -> bool {
        self.matches(&other.0)
    }

    /// Whether the secret is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The console's tokens.
#[derive(Debug, Clone)]
pub(crate) struct Tokens {
    pub(crate) admin: Secret,
    pub(crate) read_only: Option<Secret>,
}

impl Tokens {
    /// The role `offered` gives, if any; both tokens are compared every time.
    pub(crate) fn role_of(&self, offered: &str) -> Option<Role> {
        let admin = self.admin.matches(offered);
        let read_only = self.read_only.as_ref().is_some_and(|token| token.matches(offered));
        match (admin, read_only) {
            (true, _) => Some(Role::Admin),
            (false, true) => Some(Role::ReadOnly),
            (false, false) => None,
        }
    }
}

/// Who makes a request, and how.
#[derive(Debug, Clone)]
pub(crate) struct Operator {
    /// What they may do.
    pub(crate) role: Role,
    /// How the audit names them: the token's role, or a session id's first characters.
    pub(crate) who: String,
    /// The session's CSRF token; `None` for a bearer token, which needs none.
    pub(crate) csrf: Option<String>,
}

/// How many characters of a session id the audit shows.
const SESSION_PREFIX: usize = 8;

/// Why a request is not served.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// No credentials, or a session that ended: a login for a browser, 401 otherwise.
    NoCredentials { browser: bool },
    /// A bearer token that is neither of the console's.
    WrongToken,
    /// A read-only operator asked for an action.
    ReadOnly,
    /// A form without its session's CSRF token.
    Csrf,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, text) = match self {
            Refusal::NoCredentials { browser: true } => {
                return Redirect::to(&format!("{CONSOLE}/login")).into_response();
            }
            Refusal::NoCredentials { browser: false } => {
                (StatusCode::UNAUTHORIZED, "Log in, or send Authorization: Bearer with the admin token.")
            }
            Refusal::WrongToken => (StatusCode::UNAUTHORIZED, "That token is not the console's."),
            Refusal::ReadOnly => (StatusCode::FORBIDDEN, "A read-only login cannot act."),
            Refusal::Csrf => (
                StatusCode::FORBIDDEN,
                "The form's CSRF token is missing or not this session's: reload the page and try again.",
            ),
        };
        let mut response = (status, text).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The operator a request's bearer token or session cookie names.
pub(crate) fn operator(tokens: &Tokens, sessions: &Sessions, headers: &HeaderMap) -> Result<Operator, Refusal> {
    if headers.contains_key(header::AUTHORIZATION) {
        let role = bearer(headers).and_then(|token| tokens.role_of(token)).ok_or(Refusal::WrongToken)?;
        return Ok(Operator { role, who: format!("{} token", role.name()), csrf: None });
    }
    let session = cookie(headers, SESSION_COOKIE).and_then(|id| Some((id, sessions.find(id)?)));
    match session {
        Some((id, session)) => Ok(Operator { role: session.role, who: session_name(id), csrf: Some(session.csrf) }),
        None => Err(Refusal::NoCredentials { browser: wants_html(headers) }),
    }
}

impl Operator {
    /// May this operator act, with this form's CSRF token?
    pub(crate) fn may_act(&self, form_csrf: Option<&str>) -> Result<(), Refusal> {
        if self.role != Role::Admin {
            return Err(Refusal::ReadOnly);
        }
        match &self.csrf {
            None => Ok(()),
            Some(expected) if form_csrf.is_some_and(|offered| Secret::new(expected.clone()).matches(offered)) => Ok(()),
            Some(_) => Err(Refusal::Csrf),
        }
    }
}

/// How the audit names the session `id`: by its first characters only.
pub(crate) fn session_name(id: &str) -> String {
    format!("session {}", id.get(..SESSION_PREFIX).unwrap_or(id))
}

/// Whether the request comes from a browser (it accepts HTML).
pub(crate) fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The value of the cookie `name`, if the request sends it.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value for the console's paths: `HttpOnly`,
/// `SameSite=Strict`, `Secure` when `secure`, living `max_age` seconds (0:
/// removed).
pub(crate) fn set_cookie(name: &str, value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path={CONSOLE}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}");
    HeaderValue::try_from(cookie).expect("a cookie of hex digits is a header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens { admin: Secret::new("admin-secret".into()), read_only: Some(Secret::new("read-secret".into())) }
    }

    #[test]
    fn each_token_gives_its_role_and_no_other_string_does() {
        let tokens = tokens();
        assert_eq!(tokens.role_of("admin-secret"), Some(Role::Admin));
        assert_eq!(tokens.role_of("read-secret"), Some(Role::ReadOnly));
        for wrong in ["", "admin-secre", "admin-secret ", "ADMIN-SECRET"] {
            assert_eq!(tokens.role_of(wrong), None, "{wrong:?}");
        }
        assert!(!format!("{tokens:?}").contains("secret"), "Debug hides the tokens");
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; timeline_console=abc; b=2"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, LOGIN_COOKIE), None);
    }

    #[test]
    fn a_session_acts_only_with_its_csrf_token_and_a_read_only_one_never() {
        let admin = Operator { role: Role::Admin, who: "session 1".into(), csrf: Some("c".into()) };
        assert!(admin.may_act(Some("c")).is_ok());
        assert!(matches!(admin.may_act(None), Err(Refusal::Csrf)));
        assert!(matches!(admin.may_act(Some("d")), Err(Refusal::Csrf)));
        let script = Operator { role: Role::Admin, who: "admin token".into(), csrf: None };
        assert!(script.may_act(None).is_ok());
        let reader = Operator { role: Role::ReadOnly, who: "session 2".into(), csrf: Some("c".into()) };
        assert!(matches!(reader.may_act(Some("c")), Err(Refusal::ReadOnly)));
    }
}
