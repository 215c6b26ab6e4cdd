//! `GET /admin/audit`: the console's last actions, newest first.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;

use crate::console::Pages;
use crate::console::audit::MAX_ENTRIES;
use crate::console::error::ConsoleError;
use crate::console::layout;

/// The audit page.
pub(crate) async fn show(State(pages): State<Arc<Pages>>, headers: HeaderMap) -> Result<Response, ConsoleError> {
    let operator = pages.console.operator(&headers)?;
    let entries = pages.console.state.audit.entries_newest_first();
    let content = html! {
        h1 { "Audit" }
        p.muted { "The last " (MAX_ENTRIES) " actions of this relay process, newest first; every action is also logged." }
        @if entries.is_empty() {
            p.muted { "No action yet." }
        } @else {
            table {
                thead { tr { th { "When" } th { "Who" } th { "What" } th.num { "Rows" } } }
                tbody {
                    @for entry in &entries {
                        tr {
                            td { (layout::time(entry.at)) }
                            td.mono { (entry.who) }
                            td { (entry.what) }
                            td.num { (entry.rows) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page("Audit", &operator, None, content))
}
