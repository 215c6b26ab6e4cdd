//! `GET /admin/dead`: the dead letters grouped by reason
//! ([`Outbox::dead_reasons`](timeline_dispatch::Outbox::dead_reasons)), each
//! group with its count and one sample event with its body, and a retry and
//! a drop of the whole group.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;

use crate::console::Pages;
use crate::console::access::CONSOLE;
use crate::console::error::ConsoleError;
use crate::console::layout::{self, csrf_field};
use crate::console::pages::Done;
use crate::console::role::Role;

/// The most reasons the page lists: those with the most dead letters.
pub(crate) const MAX_REASONS_SHOWN: usize = 100;

/// The most bytes of a sample's body the page shows.
const SAMPLE_BYTES: usize = 2_000;

/// The dead letters page.
pub(crate) async fn show(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Query(done): Query<Done>,
) -> Result<Response, ConsoleError> {
    let operator = pages.console.operator(&headers)?;
    let groups = pages.outbox.dead_reasons(None, MAX_REASONS_SHOWN).await?;
    let admin = operator.role == Role::Admin;
    let back = format!("{CONSOLE}/dead");
    let content = html! {
        h1 { "Dead letters" }
        @if groups.is_empty() {
            p.muted { "No dead letters." }
        } @else {
            p.muted { "Grouped by reason, the largest first; each with its oldest dead letter as a sample." }
            @for group in &groups {
                section.group {
                    h2.reason { (group.reason) }
                    p {
                        strong { (group.rows) } " dead letter" @if group.rows != 1 { "s" } ". Sample: account "
                        a href={ (CONSOLE) "/accounts/" (group.sample.key.account) } { (group.sample.key.account) }
                        ", " span.mono { (group.sample.key.event_type) " / " (group.sample.key.event_id) }
                        ", enqueued " (layout::time(group.sample.enqueued_at)) "."
                    }
                    pre.sample { (sample(&group.sample_body)) }
                    @if admin {
                        @for (action, label) in [("retry", "Retry all of this reason"), ("drop", "Drop all of this reason")] {
                            form.inline method="post" action={ (CONSOLE) "/" (action) } {
                                (csrf_field(&operator))
                                input type="hidden" name="reason" value=(group.reason);
                                input type="hidden" name="back" value=(back);
                                button.quiet type="submit" { (label) " (" (group.rows) ")" }
                            }
                            " "
                        }
                    }
                }
            }
            @if groups.len() == MAX_REASONS_SHOWN {
                p.muted { "The " (MAX_REASONS_SHOWN) " reasons with the most dead letters are shown." }
            }
        }
    };
    Ok(layout::page("Dead letters", &operator, done.notice().as_deref(), content))
}

/// A sample body as text, cut after [`SAMPLE_BYTES`] (on a character
/// boundary).
fn sample(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().map(|(at, _)| at).find(|at| *at > SAMPLE_BYTES) {
        Some(cut) => format!("{} …", &text[..cut]),
        None => text.into_owned(),
    }
}
