//! [`ConsoleError`]: why a console route answers with an error.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::console::access::Refusal;

/// Why a console route answers with an error.
#[derive(Debug)]
pub(crate) enum ConsoleError {
    /// The request's credentials do not allow it.
    Refused(Refusal),
    /// The outbox failed.
    Outbox(timeline_dispatch::Error),
    /// A form or path value that is not what the route takes.
    BadRequest(String),
}

impl From<Refusal> for ConsoleError {
    fn from(refusal: Refusal) -> Self {
        ConsoleError::Refused(refusal)
    }
}

impl From<timeline_dispatch::Error> for ConsoleError {
    fn from(error: timeline_dispatch::Error) -> Self {
        ConsoleError::Outbox(error)
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        match self {
            ConsoleError::Refused(refusal) => refusal.into_response(),
            ConsoleError::Outbox(error) => {
                tracing::warn!(%error, "the console could not read or change the outbox");
                (StatusCode::SERVICE_UNAVAILABLE, format!("The outbox is unavailable ({error}); try again later."))
                    .into_response()
            }
            ConsoleError::BadRequest(problem) => (StatusCode::BAD_REQUEST, problem).into_response(),
        }
    }
}
