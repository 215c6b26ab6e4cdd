//! The console's pages, one module each; every page needs a login or a
//! console token.

pub(crate) mod account;
pub(crate) mod audit;
pub(crate) mod dead_letters;
pub(crate) mod login;
pub(crate) mod overview;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::console::accounts::AccountState;
use crate::console::activity::Activity;
use crate::console::layout;
use timeline_core::WindowUsage;

/// A console path that is no page.
pub(crate) async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "No such page in the console.").into_response()
}

/// What the last action did, for the page it returns to.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    /// Dead letters made pending again.
    pub(crate) requeued: Option<u64>,
    /// Dead letters removed.
    pub(crate) dropped: Option<u64>,
    /// Whether the account was paused (0: it was already).
    pub(crate) paused: Option<u64>,
    /// Whether the account was resumed (0: it was not paused).
    pub(crate) resumed: Option<u64>,
}

impl Done {
    /// The notice to show, if any.
    pub(crate) fn notice(&self) -> Option<String> {
        if let Some(rows) = self.requeued {
            return Some(match rows {
                1 => "1 dead letter is pending again.".to_owned(),
                rows => format!("{rows} dead letters are pending again."),
            });
        }
        if let Some(rows) = self.dropped {
            return Some(match rows {
                1 => "1 dead letter dropped.".to_owned(),
                rows => format!("{rows} dead letters dropped."),
            });
        }
        match (self.paused, self.resumed) {
            (Some(1), _) => Some("The account is paused: its events wait in the outbox.".to_owned()),
            (Some(_), _) => Some("The account was paused already.".to_owned()),
            (_, Some(1)) => Some("The account is resumed: its events go out again.".to_owned()),
            (_, Some(_)) => Some("The account was not paused.".to_owned()),
            (None, None) => None,
        }
    }
}

/// A labelled number or text in a card.
pub(crate) fn card(label: &str, value: impl std::fmt::Display) -> Markup {
    html! { div.card { div.label { (label) } div.value { (value.to_string()) } } }
}

/// An account's state as a badge.
pub(crate) fn badge(state: AccountState) -> Markup {
    html! { span class={ "badge " (state.name()) } { (state.name()) } }
}

/// How full an account's rate window is now, as `used / max in 10 s`, or
/// `—` when the budget is not observed or cannot tell.
pub(crate) fn window(usage: Option<WindowUsage>) -> String {
    usage.map_or_else(
        || "—".to_owned(),
        |usage| format!("{} / {} in {}", usage.used, usage.max, layout::duration(usage.window)),
    )
}

/// A count of the observed budget, or `—` when no budget is observed.
pub(crate) fn observed(activity: &Activity, count: u64) -> String {
    if activity.counts_requests() { count.to_string() } else { "—".to_owned() }
}
