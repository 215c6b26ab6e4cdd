//! [`KnownTokens`]: what the relay learned of bearer tokens it was not
//! given (by introspection, or from a token answer that passed), each
//! until it expires, in a map of bounded size.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use timeline_core::AccountId;

/// The most tokens a relay remembers; past it, the expired ones are
/// forgotten first, then the ones that expire soonest.
pub(crate) const MAX_KNOWN_TOKENS: usize = 10_000;

/// How long a token HubSpot refused (unknown or inactive) is refused
/// without asking HubSpot again.
pub(crate) const REFUSED_FOR: Duration = Duration::from_secs(60);

/// What the relay knows of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    /// An active access token of this account.
    Account(AccountId),
    /// HubSpot does not take it.
    Refused,
}

/// Tokens by what the relay knows of them, each until its time is up.
#[derive(Debug)]
pub(crate) struct KnownTokens {
    entries: HashMap<String, (Known, Instant)>,
    capacity: usize,
}

impl KnownTokens {
    /// An empty map of at most `capacity` tokens (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        KnownTokens { entries: HashMap::new(), capacity: capacity.max(1) }
    }

    /// What is known of `token` at `now`; an entry whose time is up is
    /// forgotten.
    pub(crate) fn get(&mut self, token: &str, now: Instant) -> Option<Known> {
        let (known, until) = *self.entries.get(token)?;
        if until > now {
            return Some(known);
        }
        self.entries.remove(token);
        None
    }

    /// Remembers `known` of `token` until `until`, making room first when
    /// the map is full.
    pub(crate) fn insert(&mut self, token: String, known: Known, until: Instant, now: Instant) {
        if until <= now {
            self.entries.remove(&token);
            return;
        }
        if !self.entries.contains_key(&token) && self.entries.len() >= self.capacity {
            self.entries.retain(|_, (_, until)| *until > now);
            if self.entries.len() >= self.capacity {
                let soonest = self.entries.iter().min_by_key(|(_, (_, until))| *until).map(|(token, _)| token.clone());
                if let Some(soonest) = soonest {
                    self.entries.remove(&soonest);
                }
            }
        }
        self.entries.insert(token, (known, until));
    }

    /// How many tokens are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_known_until_its_time_is_up() {
        let now = Instant::now();
        let mut known = KnownTokens::new(10);
        let account = Known::Account(AccountId::new(101));
        known.insert("at".to_owned(), account, now + Duration::from_secs(5), now);
        assert_eq!(known.get("at", now), Some(account));
        assert_eq!(known.get("at", now + Duration::from_secs(5)), None);
        assert_eq!(known.len(), 0, "forgotten once expired");
        known.insert("gone".to_owned(), Known::Refused, now, now);
        assert_eq!(known.get("gone", now), None, "an expired token is not remembered");
    }

    #[test]
    fn a_full_map_forgets_expired_tokens_then_the_soonest_to_expire() {
        let now = Instant::now();
        let mut known = KnownTokens::new(3);
        let at = |seconds| now + Duration::from_secs(seconds);
        known.insert("a".to_owned(), Known::Refused, at(1), now);
        known.insert("b".to_owned(), Known::Refused, at(30), now);
        known.insert("c".to_owned(), Known::Refused, at(20), now);
        known.insert("d".to_owned(), Known::Refused, at(40), at(2));
        assert_eq!((known.len(), known.get("a", now)), (3, None), "the expired one made room");
        known.insert("e".to_owned(), Known::Refused, at(50), at(2));
        assert_eq!(known.len(), 3);
        assert_eq!(known.get("c", at(2)), None, "the soonest to expire made room");
        for token in ["b", "d", "e"] {
            assert_eq!(known.get(token, at(2)), Some(Known::Refused), "{token}");
        }
        for n in 0..1_000 {
            known.insert(format!("t{n}"), Known::Refused, at(60 + n), at(2));
        }
        assert_eq!(known.len(), 3, "bounded");
    }
}
