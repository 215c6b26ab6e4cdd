//! `GET /admin/accounts/{account}`: one account's rows, pause, chart, and
//! dead letters, with a retry and a drop for each and for all, and a pause
//! or a resume.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;
use timeline_core::AccountId;
use timeline_dispatch::{RowFilter, RowState};

use crate::console::Pages;
use crate::console::access::CONSOLE;
use crate::console::accounts;
use crate::console::chart;
use crate::console::error::ConsoleError;
use crate::console::layout::{self, age, csrf_field};
use crate::console::pages::{Done, badge, card, observed, window};
use crate::console::role::Role;

/// The most dead letters an account's page lists.
pub(crate) const MAX_DEAD_SHOWN: usize = 100;

/// An account's page.
pub(crate) async fn show(
    State(pages): State<Arc<Pages>>,
    headers: HeaderMap,
    Path(account): Path<u64>,
    Query(done): Query<Done>,
) -> Result<Response, ConsoleError> {
    let operator = pages.console.operator(&headers)?;
    let account = AccountId::from(account);
    let now = SystemTime::now();
    let activity = &pages.console.state.activity;
    let budget = pages.console.state.budget.get();
    let row = accounts::account(pages.outbox.as_ref(), activity, budget.as_deref(), account, now).await?;
    let filter = RowFilter { state: Some(RowState::Dead), account: Some(account), ..RowFilter::default() };
    let dead = pages.outbox.list(&filter, MAX_DEAD_SHOWN).await?;
    let admin = operator.role == Role::Admin;
    let counts = &row.counts;
    let back = format!("{CONSOLE}/accounts/{account}");
    let content = html! {
        h1 { "Account " (account) " " (badge(row.state())) }
        @if let Some(pause) = &counts.paused {
            p.notice { "Paused since " (layout::time(pause.since)) ": " (pause.reason) ". Its events wait in the outbox until it is resumed." }
        }
        @if admin {
            @match &counts.paused {
                Some(_) => {
                    form.inline method="post" action={ (CONSOLE) "/resume" } {
                        (csrf_field(&operator))
                        input type="hidden" name="account" value=(account);
                        button type="submit" { "Resume: deliver its events again" }
                    }
                }
                None => {
                    form.inline method="post" action={ (CONSOLE) "/pause" } {
                        (csrf_field(&operator))
                        input type="hidden" name="account" value=(account);
                        input type="text" name="reason" placeholder="Why (optional)" maxlength="200";
                        " "
                        button.quiet type="submit" { "Pause: hold its events back" }
                    }
                }
            }
            p {}
        }
        div.cards {
            (card("Pending", counts.pending))
            (card("Claimed", counts.claimed))
            (card("Dead", counts.dead))
            (card("Oldest undelivered", counts.oldest_undelivered.map_or_else(|| "—".to_owned(), |oldest| age(oldest, now))))
            (card("Rate window now", window(row.window)))
            (card("Delivered, 1 h", counts.delivered))
            (card("Requests, 1 h", observed(activity, row.hour.requests)))
            (card("429 answers, 1 h", observed(activity, row.hour.rate_limited)))
        }
        h2 { "Throughput" }
        (chart::throughput(&format!("Account {account}"), &activity.account_series(account, now)))
        h2 { "Dead letters" }
        @if dead.is_empty() {
            p.muted { "No dead letters." }
        } @else {
            @if admin {
                form.inline method="post" action={ (CONSOLE) "/retry" } {
                    (csrf_field(&operator))
                    input type="hidden" name="account" value=(account);
                    input type="hidden" name="back" value=(back);
                    button type="submit" { "Retry every dead letter of this account (" (counts.dead) ")" }
                }
                " "
                form.inline method="post" action={ (CONSOLE) "/drop" } {
                    (csrf_field(&operator))
                    input type="hidden" name="account" value=(account);
                    input type="hidden" name="back" value=(back);
                    button.quiet type="submit" { "Drop every dead letter of this account" }
                }
                p {}
            }
            table {
                thead { tr {
                    th { "Event type" } th { "Event id" } th.num { "Attempts" } th { "Enqueued" } th { "Reason" }
                    @if admin { th {} }
                } }
                tbody {
                    @for letter in &dead {
                        tr.dead-letter {
                            td.mono { (letter.key.event_type) }
                            td.mono { (letter.key.event_id) }
                            td.num { (letter.attempts) }
                            td { (layout::time(letter.enqueued_at)) }
                            td.reason { (letter.last_error.as_deref().unwrap_or("—")) }
                            @if admin {
                                td {
                                    @for (action, label) in [("retry", "Retry"), ("drop", "Drop")] {
                                        form.inline method="post" action={ (CONSOLE) "/" (action) } {
                                            (csrf_field(&operator))
                                            input type="hidden" name="account" value=(account);
                                            input type="hidden" name="event_id" value=(letter.key.event_id);
                                            input type="hidden" name="row" value=(letter.row);
                                            input type="hidden" name="back" value=(back);
                                            button.quiet type="submit" { (label) }
                                        }
                                        " "
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if dead.len() == MAX_DEAD_SHOWN {
                p.muted { "The oldest " (MAX_DEAD_SHOWN) " dead letters are shown." }
            }
        }
    };
    Ok(layout::page(&format!("Account {account}"), &operator, done.notice().as_deref(), content))
}
