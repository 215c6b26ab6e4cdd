//! [`Sessions`]: the console's logins, kept in the relay's memory: each a
//! random id (the cookie's value), its role and its CSRF token, until it
//! expires or logs out; at most [`MAX_SESSIONS`] at once.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::console::role::Role;

/// The most sessions kept at once; past it, the one that expires first goes.
pub(crate) const MAX_SESSIONS: usize = 1_000;

/// Random bytes in a session id and in a CSRF token.
const SECRET_BYTES: usize = 32;

/// One login.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// What it may do.
    pub(crate) role: Role,
    /// The token every form of this session carries.
    pub(crate) csrf: String,
    expires: Instant,
}

/// The console's logins.
#[derive(Debug)]
pub(crate) struct Sessions {
    lifetime: Duration,
    sessions: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Sessions that live `lifetime` from their login.
    pub(crate) fn new(lifetime: Duration) -> Self {
        Sessions { lifetime, sessions: Mutex::default() }
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How long a session lives.
    pub(crate) fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A new session of `role`: its id.
    pub(crate) fn open(&self, role: Role) -> String {
        let id = random_secret();
        let session = Session { role, csrf: random_secret(), expires: Instant::now() + self.lifetime };
        let mut sessions = self.sessions();
        let now = Instant::now();
        sessions.retain(|_, session| session.expires > now);
        if sessions.len() >= MAX_SESSIONS {
            let first = sessions.iter().min_by_key(|(_, session)| session.expires).map(|(id, _)| id.clone());
            if let Some(first) = first {
                sessions.remove(&first);
            }
        }
        sessions.insert(id.clone(), session);
        id
    }

    /// The session `id` names, unless it expired (then it is forgotten).
    pub(crate) fn find(&self, id: &str) -> Option<Session> {
        let mut sessions = self.sessions();
        match sessions.get(id) {
            Some(session) if session.expires > Instant::now() => Some(session.clone()),
            Some(_) => {
                sessions.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends the session `id`.
    pub(crate) fn close(&self, id: &str) {
        self.sessions().remove(id);
    }
}

/// A random secret from the operating system's generator, as hex.
pub(crate) fn random_secret() -> String {
    let mut bytes = [0_u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).expect("the operating system's random generator answers");
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_and_close() {
        let sessions = Sessions::new(Duration::from_secs(3600));
        let id = sessions.open(Role::Admin);
        assert_eq!(id.len(), 2 * SECRET_BYTES);
        assert_eq!(sessions.find(&id).map(|session| session.role), Some(Role::Admin));
        sessions.close(&id);
        assert!(sessions.find(&id).is_none());

        let expired = Sessions::new(Duration::ZERO);
        let id = expired.open(Role::ReadOnly);
        assert!(expired.find(&id).is_none());
    }

    #[test]
    fn sessions_are_bounded() {
        let sessions = Sessions::new(Duration::from_secs(3600));
        let first = sessions.open(Role::Admin);
        for _ in 0..MAX_SESSIONS {
            sessions.open(Role::Admin);
        }
        assert_eq!(sessions.sessions().len(), MAX_SESSIONS);
        assert!(sessions.find(&first).is_none(), "the session that expires first went");
    }
}
