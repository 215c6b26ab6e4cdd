//! Between the trait's values and the columns: times, accounts, attempts,
//! kinds and states.

use std::time::{SystemTime, UNIX_EPOCH};
use timeline_core::AccountId;

use chrono::{DateTime, Utc};
use timeline_dispatch::{Error, EventKind, RowState};

/// A time as a `timestamptz` (which keeps microseconds: finer parts are
/// dropped).
pub(crate) fn to_db_time(time: SystemTime) -> Result<DateTime<Utc>, Error> {
    let out_of_range = || Error::outbox_message(format!("{time:?} is outside the times Postgres stores"));
    let at = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).ok().and_then(DateTime::from_timestamp_micros),
        Err(before) => i64::try_from(before.duration().as_micros())
            .ok()
            .and_then(|micros| DateTime::from_timestamp_micros(-micros)),
    };
    at.ok_or_else(out_of_range)
}

/// A `timestamptz` as a time.
pub(crate) fn from_db_time(time: DateTime<Utc>) -> SystemTime {
    SystemTime::from(time)
}

/// An account as its `bigint`: the same 64 bits.
pub(crate) fn to_db_account(account: AccountId) -> i64 {
    i64::from_ne_bytes(account.get().to_ne_bytes())
}

/// A `bigint` account as the account.
pub(crate) fn from_db_account(account: i64) -> AccountId {
    AccountId::new(u64::from_ne_bytes(account.to_ne_bytes()))
}

/// An attempt number as its `integer`.
pub(crate) fn to_db_attempt(attempt: u32) -> Result<i32, Error> {
    i32::try_from(attempt)
        .map_err(|_| Error::outbox_message(format!("attempt {attempt} is past what the outbox counts")))
}

/// An `integer` attempt count as the count.
pub(crate) fn from_db_attempt(attempts: i32) -> Result<u32, Error> {
    u32::try_from(attempts).map_err(|_| Error::outbox_message(format!("a row has {attempts} attempts")))
}

/// A stored kind name as the kind.
pub(crate) fn from_db_kind(kind: &str) -> Result<EventKind, Error> {
    EventKind::from_name(kind)
        .ok_or_else(|| Error::outbox_message(format!("a row has the unknown event kind {kind:?}")))
}

/// A stored state name as the state.
pub(crate) fn from_db_state(state: &str) -> Result<RowState, Error> {
    RowState::from_name(state).ok_or_else(|| Error::outbox_message(format!("a row has the unknown state {state:?}")))
}

/// A count as the trait's `u64`.
pub(crate) fn from_db_count(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}

/// A `usize` limit as a `bigint`, saturating.
pub(crate) fn to_db_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// What a database error becomes: `what` failed, because of `error`.
pub(crate) fn db_error(what: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |error| Error::outbox(format!("postgres outbox: {what}: {error}"), error)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn times_keep_microseconds_on_both_sides_of_the_epoch() {
        for time in [
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::from_micros(1_780_000_000_123_456),
            UNIX_EPOCH - Duration::from_micros(86_400_000_001),
        ] {
            assert_eq!(from_db_time(to_db_time(time).unwrap()), time);
        }
        let fine = UNIX_EPOCH + Duration::from_nanos(1_780_000_000_123_456_789);
        assert_eq!(from_db_time(to_db_time(fine).unwrap()), UNIX_EPOCH + Duration::from_micros(1_780_000_000_123_456));
    }

    #[test]
    fn every_account_keeps_its_bits() {
        for account in [0, 1, 123_456, i64::MAX as u64, u64::MAX] {
            assert_eq!(from_db_account(to_db_account(AccountId::new(account))), AccountId::new(account));
        }
    }
}
