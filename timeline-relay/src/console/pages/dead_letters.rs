//! `GET /admin/dead`: the dead letters grouped by reason, each group with
//! its count, its accounts and one sample event.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;
use timeline_core::AccountId;
use timeline_dispatch::{RowFilter, RowState, RowSummary};

use crate::console::Pages;
use crate::console::access::CONSOLE;
use crate::console::error::ConsoleError;
use crate::console::layout;

/// The most dead letters the page groups: the oldest ones.
pub(crate) const MAX_DEAD_GROUPED: usize = 1_000;

/// Dead letters of one reason.
struct Group<'r> {
    count: usize,
    accounts: BTreeSet<AccountId>,
    sample: &'r RowSummary,
}

/// The dead letters page.
pub(crate) async fn show(State(pages): State<Arc<Pages>>, headers: HeaderMap) -> Result<Response, ConsoleError> {
    let operator = pages.console.operator(&headers)?;
    let filter = RowFilter { state: Some(RowState::Dead), ..RowFilter::default() };
    let dead = pages.outbox.list(&filter, MAX_DEAD_GROUPED).await?;
    let mut groups: BTreeMap<&str, Group<'_>> = BTreeMap::new();
    for letter in &dead {
        let reason = letter.last_error.as_deref().unwrap_or("(no reason recorded)");
        let group =
            groups.entry(reason).or_insert_with(|| Group { count: 0, accounts: BTreeSet::new(), sample: letter });
        group.count += 1;
        group.accounts.insert(letter.key.account);
    }
    let mut groups: Vec<(&str, Group<'_>)> = groups.into_iter().collect();
    groups.sort_by_key(|(_, group)| std::cmp::Reverse(group.count));
    let content = html! {
        h1 { "Dead letters" }
        @if groups.is_empty() {
            p.muted { "No dead letters." }
        } @else {
            p.muted { "Grouped by reason" @if dead.len() == MAX_DEAD_GROUPED { ", of the oldest " (MAX_DEAD_GROUPED) } ". Retry them from their account's page." }
            table {
                thead { tr { th { "Reason" } th.num { "Count" } th { "Accounts" } th { "Sample" } } }
                tbody {
                    @for (reason, group) in &groups {
                        tr {
                            td.reason { (reason) }
                            td.num { (group.count) }
                            td {
                                @for account in &group.accounts {
                                    a href={ (CONSOLE) "/accounts/" (account) } { (account) } " "
                                }
                            }
                            td.mono { (group.sample.key.event_type) " / " (group.sample.key.event_id) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page("Dead letters", &operator, None, content))
}
