//! The claims of the process that dispatches from a SQLite outbox, held in
//! its memory and never written to the file.
//!
//! A claim is what one process promises itself: it writes nothing, so
//! claiming a row costs no B-tree change and no WAL page, and a process that
//! dies takes its claims with it: its rows are due again at once for the
//! next process, with no lease to wait for. What a claim must leave on the
//! disk is written by the changes that need it: the "sending" mark (the row
//! may have landed, and the attempt that sent it) and the settlement (its
//! attempt and its fate). One process at a time claims from a file
//! ([`ClaimLock`]); others (the `timeline outbox` command) may read it and
//! change its dead letters and pauses.
//!
//! The writer changes the claims inside its transactions and puts them back
//! as they were when a transaction rolls back, so the claims and the rows
//! never disagree.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::Error;
use crate::outbox::Fence;

/// One row's claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Claim {
    /// The claim's attempt number.
    pub(super) attempt: u32,
    /// When its lease ends, as stored.
    pub(super) lease_end: i64,
    /// The row's account, as stored.
    pub(super) account: i64,
}

/// The claims of this process, by row, with what undoes the changes of the
/// writer's open transaction.
#[derive(Debug, Default)]
pub(super) struct Claims {
    held: HashMap<i64, Claim>,
    /// Each row changed in the open transaction, with its claim before, in
    /// the order of the changes.
    undo: Vec<(i64, Option<Claim>)>,
}

impl Claims {
    /// The claim of `row`, whether its lease ended or not.
    pub(super) fn get(&self, row: i64) -> Option<Claim> {
        self.held.get(&row).copied()
    }

    /// Whether `fence` is its row's claim.
    pub(super) fn is_current(&self, fence: Fence) -> bool {
        self.get(fence.row).is_some_and(|claim| claim.attempt == fence.attempt)
    }

    /// Makes `claim` the claim of `row`.
    pub(super) fn set(&mut self, row: i64, claim: Claim) {
        let before = self.held.insert(row, claim);
        self.undo.push((row, before));
    }

    /// Ends the claim of `row`.
    pub(super) fn remove(&mut self, row: i64) {
        if let Some(before) = self.held.remove(&row) {
            self.undo.push((row, Some(before)));
        }
    }

    /// Keeps the changes since the last commit or roll-back.
    pub(super) fn commit(&mut self) {
        self.undo.clear();
    }

    /// Puts every claim back as it was at the last commit or roll-back.
    pub(super) fn roll_back(&mut self) {
        while let Some((row, before)) = self.undo.pop() {
            match before {
                Some(claim) => self.held.insert(row, claim),
                None => self.held.remove(&row),
            };
        }
    }

    /// Every claim, by row.
    pub(super) fn all(&self) -> impl Iterator<Item = (i64, Claim)> + '_ {
        self.held.iter().map(|(row, claim)| (*row, *claim))
    }

    /// How many claims there are.
    pub(super) fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether `row` is claimed with a lease that has not ended at `now`.
    pub(super) fn is_live(&self, row: i64, now: i64) -> bool {
        self.get(row).is_some_and(|claim| claim.lease_end > now)
    }

    /// The claims whose lease has not ended at `now`, by row.
    pub(super) fn live(&self, now: i64) -> HashMap<i64, Claim> {
        self.all().filter(|(_, claim)| claim.lease_end > now).collect()
    }

    /// How many claims whose lease has not ended at `now` each account
    /// holds.
    pub(super) fn live_per_account(&self, now: i64) -> HashMap<i64, usize> {
        per_account(self.held.values().filter(|claim| claim.lease_end > now))
    }
}

/// How many of `claims` each account holds.
pub(super) fn per_account<'a>(claims: impl IntoIterator<Item = &'a Claim>) -> HashMap<i64, usize> {
    let mut held = HashMap::new();
    for claim in claims {
        *held.entry(claim.account).or_default() += 1;
    }
    held
}

/// The lock that makes one process the claimer of an outbox file: an
/// exclusive lock on the file beside it named as it with `-claims` added,
/// held while the outbox is open, released by the system when the process
/// dies.
#[derive(Debug)]
pub(super) struct ClaimLock {
    path: PathBuf,
    held: Option<File>,
}

impl ClaimLock {
    /// The lock of the outbox file at `outbox`, not taken yet.
    pub(super) fn new(outbox: &Path) -> Self {
        let mut path = outbox.as_os_str().to_owned();
        path.push("-claims");
        ClaimLock { path: PathBuf::from(path), held: None }
    }

    /// Takes the lock unless this outbox holds it; fails when another
    /// process (or another outbox of this process) holds it.
    pub(super) fn take(&mut self) -> Result<(), Error> {
        if self.held.is_some() {
            return Ok(());
        }
        let failed = |error: std::io::Error| {
            Error::outbox(format!("could not lock {} to claim rows: {error}", self.path.display()), error)
        };
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&self.path).map_err(failed)?;
        match file.try_lock() {
            Ok(()) => {
                self.held = Some(file);
                Ok(())
            }
            Err(TryLockError::WouldBlock) => Err(Error::outbox_message(format!(
                "another process (or another open outbox) claims rows from this SQLite outbox: {} is locked; \
                 one dispatcher at a time delivers from a SQLite file",
                self.path.display()
            ))),
            Err(TryLockError::Error(error)) => Err(failed(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rolled_back_transaction_leaves_the_claims_as_they_were() {
        let mut claims = Claims::default();
        let first = Claim { attempt: 1, lease_end: 10, account: 7 };
        claims.set(1, first);
        claims.commit();
        claims.set(1, Claim { attempt: 2, ..first });
        claims.set(2, first);
        claims.remove(1);
        claims.roll_back();
        assert_eq!(claims.all().collect::<Vec<_>>(), [(1, first)]);
        claims.remove(1);
        claims.commit();
        claims.roll_back();
        assert_eq!(claims.len(), 0);
    }

    #[test]
    fn one_outbox_at_a_time_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox.sqlite");
        let mut first = ClaimLock::new(&outbox);
        first.take().unwrap();
        first.take().unwrap();
        let refused = ClaimLock::new(&outbox).take().unwrap_err().to_string();
        assert!(refused.contains("another process"), "{refused}");
        drop(first);
        ClaimLock::new(&outbox).take().unwrap();
    }
}
