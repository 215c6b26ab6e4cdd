//! `POST /admin/retry`: makes dead letters pending again: one event id of
//! an account (`event_id`), or every dead letter of the account.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;
use timeline_core::AccountId;
use timeline_dispatch::RowFilter;

use crate::console::Pages;
use crate::console::access::{CONSOLE, wants_html};
use crate::console::error::ConsoleError;

/// The retry form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct RetryForm {
    /// The session's CSRF token (none with a bearer token).
    csrf: Option<String>,
    /// The account.
    account: u64,
    /// One event id; empty or missing: every dead letter of the account.
    event_id: Option<String>,
}

/// Requeues the dead letters the form names; a browser goes back to the
/// account's page, a script gets `{"requeued": N}`.
pub(crate) async fn retry(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Form(form): Form<RetryForm>,
) -> Result<Response, ConsoleError> {
    let operator = pages.console.operator(&headers)?;
    operator.may_act(form.csrf.as_deref())?;
    let account = AccountId::from(form.account);
    let event_id = form.event_id.filter(|id| !id.is_empty());
    let what = match &event_id {
        Some(id) => format!("retried dead letter {id:?} of account {account}"),
        None => format!("retried every dead letter of account {account}"),
    };
    let filter = RowFilter { state: None, account: Some(account), event_id };
    let requeued = pages.outbox.requeue_dead(&filter, SystemTime::now()).await?;
    pages.changed();
    pages.console.state.audit.record(&operator.who, what, requeued);
    if wants_html(&headers) {
        Ok(Redirect::to(&format!("{CONSOLE}/accounts/{account}?requeued={requeued}")).into_response())
    } else {
        Ok(Json(json!({ "requeued": requeued })).into_response())
    }
}
