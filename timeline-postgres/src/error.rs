//! [`Error`]: why a Postgres connection could not be made, or the
//! [`PgTokenStore`](crate::PgTokenStore) failed. Its `Display`, `Debug` and
//! sources never show a database URL (it may hold a password) or a token.
use timeline_core::AccountId;

/// Why [`connect`](crate::connect) or [`connect_options`](crate::connect_options)
/// failed (`Url`, `CaFileWithoutVerification`, `Refused`: they name the
/// server, the database and the user, never the URL), or why a
/// [`PgTokenStore`](crate::PgTokenStore) could not do what it was asked
/// (the other variants; the app reports it as a token-store failure of the
/// account).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL does not parse, or a parameter of it is wrong.
    #[error("the Postgres URL cannot be used (it is not shown, as it may hold a password): {0}")]
    Url(#[source] sqlx::Error),
    /// A CA file was given with `sslmode=disable` or `allow`, which do not
    /// verify the server.
    #[error("a Postgres CA file was given with sslmode={0}: use sslmode=verify-full (or verify-ca) or leave it out")]
    CaFileWithoutVerification(&'static str),
    /// The server refused the connection, did not answer, or its TLS
    /// handshake failed (a certificate the trusted CAs did not sign, a
    /// server without TLS under `sslmode=require`).
    #[error("cannot connect to Postgres at {server}: {source}")]
    Refused {
        /// `HOST:PORT/DATABASE as USER`.
        server: String,
        /// sqlx's error.
        source: sqlx::Error,
    },

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
        "postgres token store: the {column} of account {account} does not decrypt: \
         the token key is not the one it was written with, or the row was tampered with"
    )]
    Undecryptable {
        /// The account.
        account: AccountId,
        /// The column.
        column: String,
    },
    /// A token could not be sealed.
    #[error("postgres token store: the {column} of account {account} could not be encrypted")]
    Encrypt {
        /// The account.
        account: AccountId,
        /// The column.
        column: String,
    },
    /// The account's row is encrypted and the store has no key.
    #[error("postgres token store: the tokens of account {account} are encrypted and this store has no token key")]
    KeyMissing {
        /// The account.
        account: AccountId,
    },
    /// The account's row is plaintext while the store has a key: refused,
    /// since anyone who can write the table could have put it there.
    #[error(
        "postgres token store: the tokens of account {account} are not encrypted, and this store only reads \
         tokens encrypted with its key"
    )]
    NotEncrypted {
        /// The account.
        account: AccountId,
    },
    /// A token stored without a key is not UTF-8 text.
    #[error("postgres token store: the {column} of account {account} is not text")]
    NotText {
        /// The account.
        account: AccountId,
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
