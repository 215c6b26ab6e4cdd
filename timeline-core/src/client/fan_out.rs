//! [`App::send_all`]: events of many accounts in one call, fanned out per
//! account, with one report.

use crate::AccountId;
use std::collections::HashMap;
use std::sync::Arc;

use futures_util::stream;

use super::app::App;
use super::input::EventInput;
use super::report::{Failure, FailureReason, Outcome, SendError, SendReport};
use super::send_all::{self, Reporting};
use crate::error::Error;

impl App {
    /// Sends `(account, event)` pairs, each event for its account, and
    /// reports on every one in ONE [`SendReport`], whose indexes are the
    /// events' positions in `events` and whose entries name their account
    /// ([`Created::account`](super::Created::account),
    /// [`Failure::account`](super::Failure::account)).
    ///
    /// - The pairs are read whole first and grouped per account; each
    ///   account's events go out as in [`SendAll`](super::SendAll) through
    ///   its [`account`](Self::account) client (batches, at most
    ///   [`max_in_flight`](super::ClientBuilder::max_in_flight) of them under way,
    ///   paced by the account's budget, ids that include the account).
    /// - All accounts are sent at once (each account encoding at most the
    ///   batches it has under way), within the app's bound on requests
    ///   in flight ([`max_in_flight_total`](super::ClientBuilder::max_in_flight_total)),
    ///   whose places go to requests in arrival order: accounts with work take
    ///   turns (each with up to its `max_in_flight` requests a turn), and an
    ///   account waiting for its budget holds no place.
    /// - What stops one account stops only that account: a revoked install
    ///   fails its events with [`FailureReason::InstallRevoked`] (the app
    ///   remembers it, asking the token endpoint nothing more for that
    ///   account until the store holds tokens of a new install); an account
    ///   with no stored tokens, a token store or renewal that fails, or
    ///   credentials refused fail its events with the reasons a
    ///   [`SendError`] gives them. The other accounts go on, and the call
    ///   ends in `Ok`.
    /// - Only the overall deadline ([`Timeouts::with_overall`](super::Timeouts::with_overall))
    ///   ends the call in `Err`; its report still accounts for every event.
    ///
    /// ```no_run
    /// # async fn run(app: timeline_core::App, events: Vec<(u64, timeline_core::EncodedInput)>) -> Result<(), timeline_core::SendError> {
    /// let report = app.send_all(events).await?;
    /// for failure in report.failed() {
    ///     eprintln!("event {} of account {:?} failed: {}", failure.index, failure.account, failure.reason);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send_all<I, A, E>(&self, events: I) -> Result<SendReport, SendError>
    where
        I: IntoIterator<Item = (A, E)>,
        A: Into<AccountId>,
        E: EventInput + Send,
    {
        let mut accounts = Vec::new();
        let mut groups: HashMap<AccountId, Vec<(usize, E)>> = HashMap::new();
        for (index, (account, event)) in events.into_iter().enumerate() {
            let account = account.into();
            groups
                .entry(account)
                .or_insert_with(|| {
                    accounts.push(account);
                    Vec::new()
                })
                .push((index, event));
        }
        let calls = accounts.into_iter().map(|account| {
            let events = groups.remove(&account).unwrap_or_default();
            self.send_account(account, events)
        });
        let mut report = SendReport::default();
        let mut deadline = None;
        for (account, stop) in futures_util::future::join_all(calls).await {
            report.merge(account);
            if let Some(error @ Error::Deadline(_)) = stop {
                deadline = Some(error);
            }
        }
        self.forget_idle_accounts();
        let report = report.finish();
        match deadline {
            Some(error) => Err(SendError::new(error, report)),
            None => Ok(report),
        }
    }

    /// Sends the events of one account; the report accounts for every one,
    /// and the error that stopped the account's call, if one did, comes
    /// with it.
    async fn send_account<E: EventInput + Send>(
        &self,
        account: AccountId,
        events: Vec<(usize, E)>,
    ) -> (SendReport, Option<Error>) {
        let client = self.account(account);
        let inner = &*client.inner;
        let mut events = events.into_iter();
        let sent = send_all::run(
            inner,
            stream::iter(events.by_ref()),
            Reporting::in_result_only(),
            send_all::Requests::Batches,
            inner.shared.config.timeouts,
        )
        .await;
        let (error, mut report) = match sent {
            Ok(report) => return (report, None),
            Err(stopped) => stopped.into_parts(),
        };
        let reason = Arc::new(FailureReason::not_sent_by(&error));
        let mut scratch = Vec::new();
        for (index, event) in events {
            scratch.clear();
            let id = event.encode_for_account(account, &mut scratch).ok();
            let failure =
                Failure::new(index, id, event.event_type().to_owned(), Arc::clone(&reason), event.sent_before());
            report.record(Outcome::Failed(failure.of_account(Some(account))));
        }
        (report, Some(error))
    }
}
