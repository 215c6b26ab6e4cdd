//! Backpressure: the bound on undelivered rows that
//! [`Dispatcher::emit`](crate::Dispatcher::emit) waits on and
//! [`Dispatcher::try_emit`](crate::Dispatcher::try_emit) refuses at.

use std::pin::pin;
use std::sync::Mutex;

use tokio::sync::Notify;

/// How many undelivered rows (pending or claimed) the dispatcher knows of,
/// against its bound.
pub(crate) struct Capacity {
    bound: u64,
    state: Mutex<State>,
    freed: Notify,
}

struct State {
    used: u64,
    closed: bool,
}

/// Why no place was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoRoom {
    /// The bound is reached.
    Full,
    /// The dispatcher stopped taking events.
    Closed,
}

impl Capacity {
    /// Room for `bound` undelivered rows.
    pub(crate) fn new(bound: u64) -> Self {
        Capacity { bound, state: Mutex::new(State { used: 0, closed: false }), freed: Notify::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes a place for one row now, or says why not.
    pub(crate) fn try_take(&self) -> Result<(), NoRoom> {
        let mut state = self.lock();
        if state.closed {
            return Err(NoRoom::Closed);
        }
        if state.used >= self.bound {
            return Err(NoRoom::Full);
        }
        state.used += 1;
        Ok(())
    }

    /// Takes a place for one row, waiting until one is free; fails only
    /// when the dispatcher stops taking events.
    pub(crate) async fn take(&self) -> Result<(), NoRoom> {
        loop {
            let mut freed = pin!(self.freed.notified());
            freed.as_mut().enable();
            match self.try_take() {
                Err(NoRoom::Full) => freed.await,
                taken => return taken,
            }
        }
    }

    /// Gives back `rows` places: rows delivered or dead, or places taken for
    /// events the outbox had already.
    pub(crate) fn give_back(&self, rows: u64) {
        if rows == 0 {
            return;
        }
        let mut state = self.lock();
        state.used = state.used.saturating_sub(rows);
        drop(state);
        self.freed.notify_waiters();
    }

    /// Sets the count to what the outbox holds: `undelivered` rows.
    pub(crate) fn resync(&self, undelivered: u64) {
        self.lock().used = undelivered;
        self.freed.notify_waiters();
    }

    /// Stops taking places; waiters fail with [`NoRoom::Closed`].
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.freed.notify_waiters();
    }
}
