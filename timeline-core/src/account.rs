//! [`AccountId`]: which HubSpot account an event, a token or a rate limit
//! belongs to.

use std::fmt;
use std::num::ParseIntError;
use std::str::FromStr;

/// A HubSpot account: its id, the number HubSpot calls the hub id (or the
/// portal id). Every account has its own tokens, its own rate limit and
/// its own events.
///
/// Functions that take an account take `impl Into<AccountId>`, so a plain
/// `u64` works too; it is written, parsed and serialized as that number.
///
/// ```
/// use timeline_core::AccountId;
/// let account = AccountId::new(101);
/// assert_eq!(account.get(), 101);
/// assert_eq!(account.to_string(), "101");
/// assert_eq!("101".parse::<AccountId>().unwrap(), account);
/// assert_eq!(AccountId::from(101), account);
/// assert_eq!(serde_json::to_string(&account).unwrap(), "101");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct AccountId(u64);

impl AccountId {
    /// The account whose id is `id`.
    pub const fn new(id: u64) -> Self {
        AccountId(id)
    }

    /// The id.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for AccountId {
    fn from(id: u64) -> Self {
        AccountId(id)
    }
}

impl From<AccountId> for u64 {
    fn from(account: AccountId) -> Self {
        account.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for AccountId {
    type Err = ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(AccountId)
    }
}
