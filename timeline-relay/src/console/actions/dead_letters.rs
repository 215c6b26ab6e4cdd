//! `POST /admin/retry` and `POST /admin/drop`: make dead letters pending
//! again, or remove them, chosen by the form: one row, every dead letter
//! of a reason, of an account, or of both.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;
use timeline_core::AccountId;
use timeline_dispatch::{RowFilter, RowId, RowState};

use crate::console::Pages;
use crate::console::access::{CONSOLE, wants_html};
use crate::console::error::ConsoleError;

/// The fields of a retry or drop form: at least one of `row`, `reason`,
/// `account` and `event_id`.
#[derive(Debug, Deserialize)]
pub(crate) struct DeadLettersForm {
    /// The session's CSRF token (none with a bearer token).
    csrf: Option<String>,
    /// Only this account's dead letters.
    account: Option<u64>,
    /// Only this event id.
    event_id: Option<String>,
    /// Only this row.
    row: Option<RowId>,
    /// Only the dead letters of this reason.
    reason: Option<String>,
    /// The console page a browser goes back to.
    back: Option<String>,
}

impl DeadLettersForm {
    /// The dead letters the form names, and their description for the
    /// audit; `None` when it names none (nothing is taken for everything).
    fn filter(&self) -> Option<(RowFilter, String)> {
        let event_id = self.event_id.clone().filter(|id| !id.is_empty());
        if self.account.is_none() && self.row.is_none() && self.reason.is_none() && event_id.is_none() {
            return None;
        }
        let mut what = Vec::new();
        if let Some(account) = self.account {
            what.push(format!("account {account}"));
        }
        if let Some(id) = &event_id {
            what.push(format!("event {id:?}"));
        }
        if let Some(row) = self.row {
            what.push(format!("row {row}"));
        }
        let filter = RowFilter {
            state: Some(RowState::Dead),
            account: self.account.map(AccountId::from),
            event_id,
            row: self.row,
            reason: self.reason.clone(),
        };
        if let Some(reason) = &self.reason {
            what.push(format!("reason {reason:?}"));
        }
        Some((filter, what.join(", ")))
    }

    /// The page a browser goes back to: the form's, else the account's,
    /// else the dead letters'.
    fn back(&self) -> Option<String> {
        let account = self.account.map(|account| format!("{CONSOLE}/accounts/{account}"));
        self.back.clone().or(account).or_else(|| Some(format!("{CONSOLE}/dead")))
    }
}

/// Requeues the dead letters the form names; a browser goes back to its
/// page, a script gets `{"requeued": N}`.
pub(crate) async fn retry(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Form(form): Form<DeadLettersForm>,
) -> Result<Response, ConsoleError> {
    let operator = pages.console.actor(&headers, form.csrf.as_deref())?;
    let (filter, what) = form.filter().ok_or_else(nothing_named)?;
    let requeued = pages.outbox.requeue_dead(&filter, SystemTime::now()).await?;
    pages.changed();
    pages.console.state.audit.record(&operator.who, format!("retried the dead letters of {what}"), requeued);
    Ok(answer(&headers, form.back().as_deref(), "requeued", requeued))
}

/// Removes the dead letters the form names; a browser goes back to its
/// page, a script gets `{"dropped": N}`.
pub(crate) async fn drop(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Form(form): Form<DeadLettersForm>,
) -> Result<Response, ConsoleError> {
    let operator = pages.console.actor(&headers, form.csrf.as_deref())?;
    let (filter, what) = form.filter().ok_or_else(nothing_named)?;
    let dropped = pages.outbox.drop_dead(&filter).await?;
    pages.console.state.audit.record(&operator.who, format!("dropped the dead letters of {what}"), dropped);
    Ok(answer(&headers, form.back().as_deref(), "dropped", dropped))
}

/// A browser's way back to `back` (a console page; the overview
/// otherwise) saying `done=rows`, or a script's `{done: rows}`.
pub(crate) fn answer(headers: &HeaderMap, back: Option<&str>, done: &str, rows: u64) -> Response {
    if !wants_html(headers) {
        return Json(json!({ done: rows })).into_response();
    }
    // Only a console path: never a redirect elsewhere.
    let back = back.filter(|back| back.starts_with(&format!("{CONSOLE}/")) && !back.contains("//")).unwrap_or(CONSOLE);
    let separator = if back.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{back}{separator}{done}={rows}")).into_response()
}

/// The answer to a form that names no dead letters.
fn nothing_named() -> ConsoleError {
    ConsoleError::BadRequest("Name the dead letters: a row, a reason or an account.".to_owned())
}
