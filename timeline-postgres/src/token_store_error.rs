//! [`TokenStoreError`]: why the Postgres token store failed, apart from the
//! store and its cipher, which both report it.

/// Why a [`PgTokenStore`](crate::PgTokenStore) could not do what it was asked. The app reports
/// it as a token-store failure of the account.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenStoreError {
    /// A query failed.
    #[error("postgres token store: {what}: {source}")]
    Database {
        /// What the store was doing.
        what: &'static str,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
    /// The migrations failed.
    #[error("postgres token store: migrate: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A sealed token did not open: the store's key is not the one it was
    /// sealed with, or the row was changed or copied from another account.
    #[error(
        "postgres token store: the {column} of account {portal} does not decrypt: \
         the token key is not the one it was written with, or the row was tampered with"
    )]
    Undecryptable {
        /// The account.
        portal: u64,
        /// The column.
        column: String,
    },
    /// A token could not be sealed.
    #[error("postgres token store: the {column} of account {portal} could not be encrypted")]
    Encrypt {
        /// The account.
        portal: u64,
        /// The column.
        column: String,
    },
    /// The account's row is encrypted and the store has no key.
    #[error("postgres token store: the tokens of account {portal} are encrypted and this store has no token key")]
    KeyMissing {
        /// The account.
        portal: u64,
    },
    /// The account's row is plaintext while the store has a key: refused,
    /// since anyone who can write the table could have put it there.
    #[error(
        "postgres token store: the tokens of account {portal} are not encrypted, and this store only reads \
         tokens encrypted with its key"
    )]
    NotEncrypted {
        /// The account.
        portal: u64,
    },
    /// A token stored without a key is not UTF-8 text.
    #[error("postgres token store: the {column} of account {portal} is not text")]
    NotText {
        /// The account.
        portal: u64,
        /// The column.
        column: String,
    },
    /// A token key that is not 32 bytes of hexadecimal.
    #[error("{0}")]
    BadKey(String),
    /// A schema name that is not a plain identifier.
    #[error("{0:?} is not a plain lower-case identifier for the token store's schema")]
    BadSchema(String),
}
