//! `POST /admin/pause` and `POST /admin/resume`: hold an account's events
//! back from delivery (pending, in the outbox, for every relay on it), or
//! let them go again (after a revoked install is installed again, say).

use std::sync::Arc;
use std::time::SystemTime;

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use timeline_core::AccountId;

use crate::console::Pages;
use crate::console::access::CONSOLE;
use crate::console::actions::dead_letters::answer;
use crate::console::error::ConsoleError;

/// The reason a pause gets when the operator gives none.
const PAUSED_BY_OPERATOR: &str = "paused by an operator";

/// The fields of a pause or resume form.
#[derive(Debug, Deserialize)]
pub(crate) struct PauseForm {
    /// The session's CSRF token (none with a bearer token).
    csrf: Option<String>,
    /// The account.
    account: u64,
    /// Why, for a pause.
    reason: Option<String>,
}

/// Pauses the account; a browser goes back to its page, a script gets
/// `{"paused": 1}` (0 when it was paused already).
pub(crate) async fn pause(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Form(form): Form<PauseForm>,
) -> Result<Response, ConsoleError> {
    let operator = pages.console.actor(&headers, form.csrf.as_deref())?;
    let account = AccountId::from(form.account);
    let reason =
        form.reason.as_deref().map(str::trim).filter(|reason| !reason.is_empty()).unwrap_or(PAUSED_BY_OPERATOR);
    let paused = pages.outbox.pause(account, reason, SystemTime::now()).await?;
    pages.console.state.audit.record(&operator.who, format!("paused account {account} ({reason})"), u64::from(paused));
    Ok(answer(&headers, Some(&format!("{CONSOLE}/accounts/{account}")), "paused", u64::from(paused)))
}

/// Resumes the account; a browser goes back to its page, a script gets
/// `{"resumed": 1}` (0 when it was not paused).
pub(crate) async fn resume(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Form(form): Form<PauseForm>,
) -> Result<Response, ConsoleError> {
    let operator = pages.console.actor(&headers, form.csrf.as_deref())?;
    let account = AccountId::from(form.account);
    let resumed = pages.outbox.resume(account).await?;
    pages.changed();
    pages.console.state.audit.record(&operator.who, format!("resumed account {account}"), u64::from(resumed));
    Ok(answer(&headers, Some(&format!("{CONSOLE}/accounts/{account}")), "resumed", u64::from(resumed)))
}
