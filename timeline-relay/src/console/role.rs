//! [`Role`]: what an operator may do, as a token or a session grants it.

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// See and act.
    Admin,
    /// See only.
    ReadOnly,
}

impl Role {
    /// How the pages and the audit name it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ReadOnly => "read-only",
        }
    }
}
