//! Stored app-event occurrences, keyed by (event type uid, id) across all
//! accounts, each with its account.

use std::collections::HashMap;

use super::AppEventOccurrence;

/// An occurrence as stored.
#[derive(Debug, Clone)]
pub(crate) struct StoredOccurrence {
    /// The uid of its type.
    pub(crate) type_uid: String,
    /// The occurrence.
    pub(crate) occurrence: AppEventOccurrence,
    /// The account that sent it.
    pub(crate) account: u64,
}

/// The occurrences the sandbox holds, in the order they were stored.
#[derive(Debug, Default)]
pub(crate) struct AppEventStore {
    occurrences: Vec<StoredOccurrence>,
    positions: HashMap<(String, String), usize>,
}

impl AppEventStore {
    /// Whether an occurrence of this type uid and id is stored.
    pub(crate) fn contains(&self, type_uid: &str, id: &str) -> bool {
        self.positions.contains_key(&(type_uid.to_owned(), id.to_owned()))
    }

    /// Stores a new occurrence; the caller has checked that its id is new.
    pub(crate) fn put(&mut self, stored: StoredOccurrence) {
        let key = (stored.type_uid.clone(), stored.occurrence.id.clone());
        self.positions.insert(key, self.occurrences.len());
        self.occurrences.push(stored);
    }

    /// The occurrence with this type uid and id.
    pub(crate) fn get(&self, type_uid: &str, id: &str) -> Option<&StoredOccurrence> {
        let position = *self.positions.get(&(type_uid.to_owned(), id.to_owned()))?;
        self.occurrences.get(position)
    }

    /// Every occurrence, in the order stored.
    pub(crate) fn all(&self) -> Vec<AppEventOccurrence> {
        self.occurrences.iter().map(|stored| stored.occurrence.clone()).collect()
    }

    /// One account's occurrences, in the order stored.
    pub(crate) fn in_account(&self, account: u64) -> Vec<AppEventOccurrence> {
        self.occurrences
            .iter()
            .filter(|stored| stored.account == account)
            .map(|stored| stored.occurrence.clone())
            .collect()
    }

    /// Forgets every occurrence.
    pub(crate) fn clear(&mut self) {
        *self = AppEventStore::default();
    }
}
