//! The console's actions, one module each: each checks the operator's role
//! and, for a session, its form's CSRF token, and is audited.

pub(crate) mod dead_letters;
pub(crate) mod login;
pub(crate) mod pauses;
