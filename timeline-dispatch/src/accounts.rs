//! The clients of the accounts the dispatcher sends for, kept between an
//! account's batches: a client holds its account's credentials (tokens
//! loaded from the app's token store, renewed one refresh at a time), which
//! the app keeps only while a client of the account exists. Without them,
//! every batch would load the account's tokens from the store again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use timeline_core::AccountId;

use timeline_core::{App, Client};
use tokio::time::Instant;

/// How long an account's client is kept after its last batch began.
pub(crate) const KEEP_IDLE: Duration = Duration::from_secs(120);

/// Recently used clients, by account.
#[derive(Default)]
pub(crate) struct AccountClients {
    clients: Mutex<HashMap<AccountId, (Client, Instant)>>,
}

impl AccountClients {
    /// The client of `account`: the one kept, or a new one of `app`.
    pub(crate) fn client(&self, app: &App, account: AccountId) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let (client, used_at) = clients.entry(account).or_insert_with(|| (app.account(account), now));
        *used_at = now;
        client.clone()
    }

    /// Lets go of the clients not used for [`KEEP_IDLE`].
    pub(crate) fn forget_idle(&self) {
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        clients.retain(|_, (_, used_at)| used_at.elapsed() < KEEP_IDLE);
    }
}
