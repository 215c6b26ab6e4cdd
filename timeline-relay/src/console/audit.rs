//! [`Audit`]: every console action (who, what, how many rows), logged
//! through `tracing` and kept, the last [`MAX_ENTRIES`], for the audit page.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

/// The most entries kept; older ones are dropped (the log keeps them all).
pub(crate) const MAX_ENTRIES: usize = 500;

/// One action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// When.
    pub(crate) at: SystemTime,
    /// Who: a token's role, or a session id's first characters.
    pub(crate) who: String,
    /// What, in words.
    pub(crate) what: String,
    /// Rows it changed.
    pub(crate) rows: u64,
}

/// The last actions, newest first.
#[derive(Debug, Default)]
pub(crate) struct Audit {
    entries: Mutex<VecDeque<Entry>>,
}

impl Audit {
    fn entries(&self) -> MutexGuard<'_, VecDeque<Entry>> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Logs and keeps an action.
    pub(crate) fn record(&self, who: &str, what: String, rows: u64) {
        tracing::info!(target: "timeline_relay::console", who, what = %what, rows, "console action");
        let mut entries = self.entries();
        if entries.len() == MAX_ENTRIES {
            entries.pop_back();
        }
        entries.push_front(Entry { at: SystemTime::now(), who: who.to_owned(), what, rows });
    }

    /// The actions kept, newest first.
    pub(crate) fn entries_newest_first(&self) -> Vec<Entry> {
        self.entries().iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_entries_are_kept() {
        let audit = Audit::default();
        for n in 0..(MAX_ENTRIES as u64 + 3) {
            audit.record("admin token", format!("retry {n}"), n);
        }
        let entries = audit.entries_newest_first();
        assert_eq!(entries.len(), MAX_ENTRIES);
        assert_eq!(entries[0].rows, MAX_ENTRIES as u64 + 2);
    }
}
