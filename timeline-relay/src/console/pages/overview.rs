//! `GET /admin`: the outbox's rows per state, the relay's chart, and every
//! account with rows waiting or outcomes in the last hour.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;

use crate::console::Pages;
use crate::console::access::CONSOLE;
use crate::console::accounts::{self, MAX_ACCOUNTS_SHOWN};
use crate::console::chart;
use crate::console::error::ConsoleError;
use crate::console::layout::{self, age};
use crate::console::pages::{Done, badge, card, observed, window};

/// The overview page.
pub(crate) async fn show(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Query(done): Query<Done>,
) -> Result<Response, ConsoleError> {
    let operator = pages.console.operator(&headers)?;
    let now = SystemTime::now();
    let counts = pages.outbox.counts().await?;
    let activity = &pages.console.state.activity;
    let budget = pages.console.state.budget.get();
    let accounts = accounts::accounts(pages.outbox.as_ref(), activity, budget.as_deref(), now).await?;
    let content = html! {
        h1 { "Overview" }
        div.cards {
            (card("Pending", counts.pending))
            (card("Claimed", counts.claimed))
            (card("Delivered, kept", counts.delivered))
            (card("Dead", counts.dead))
            (card("Oldest undelivered", counts.oldest_undelivered.map_or_else(|| "—".to_owned(), |oldest| age(oldest, now))))
        }
        h2 { "Throughput" }
        (chart::throughput("Relay", &activity.relay_series(now)))
        h2 { "Accounts" }
        @if accounts.is_empty() {
            p.muted { "No account has rows in the outbox, a pause, or outcomes in the last hour." }
        } @else {
            table {
                thead { tr {
                    th { "Account" } th { "State" } th.num { "Pending" } th.num { "Claimed" } th.num { "Dead" }
                    th.num { "Oldest undelivered" } th.num { "Rate window now" } th.num { "Delivered, 1 h" } th.num { "Requests, 1 h" } th.num { "429 answers, 1 h" }
                } }
                tbody {
                    @for row in &accounts {
                        tr {
                            td { a href={ (CONSOLE) "/accounts/" (row.account()) } { (row.account()) } }
                            td { (badge(row.state())) }
                            td.num { (row.counts.pending) }
                            td.num { (row.counts.claimed) }
                            td.num { @if row.counts.dead > 0 { span.badge.dead { (row.counts.dead) } } @else { "0" } }
                            td.num { (row.counts.oldest_undelivered.map_or_else(|| "—".to_owned(), |oldest| age(oldest, now))) }
                            td.num { (window(row.window)) }
                            td.num { (row.counts.delivered) }
                            td.num { (observed(activity, row.hour.requests)) }
                            td.num { (observed(activity, row.hour.rate_limited)) }
                        }
                    }
                }
            }
            @if accounts.len() == MAX_ACCOUNTS_SHOWN {
                p.muted { "The " (MAX_ACCOUNTS_SHOWN) " accounts with the most rows waiting are shown." }
            }
        }
        p.muted {
            "As of " (layout::time(now)) ". Requests: this relay's requests to HubSpot (deliveries and forwarded calls); 429s: HubSpot's rate-limit answers to them"
            @if !activity.counts_requests() { " (not counted: the app's budget is not observed)" }
            "."
        }
    };
    Ok(layout::page("Overview", &operator, done.notice().as_deref(), content))
}
