//! The outbox file's schema: the scripts in `migrations/sqlite/`, applied
//! in order, each once, recorded in the `_sqlx_migrations` table as sqlx's
//! migrator (which created the files of earlier releases) records them, so
//! a file either of them migrated is one the other continues.

use std::time::Instant;

use rusqlite::{Connection, TransactionBehavior, params};

/// One script of `migrations/sqlite/`.
struct Migration {
    /// The number its file name starts with.
    version: i64,
    /// The rest of its file name, as sqlx records it (underscores as spaces).
    description: &'static str,
    sql: &'static str,
    /// The SHA-384 of `sql`, which sqlx records and checks.
    checksum: [u8; 48],
}

/// Every migration, in order.
const MIGRATIONS: [Migration; 6] = [
    Migration {
        version: 1,
        description: "outbox",
        sql: include_str!("../../migrations/sqlite/0001_outbox.sql"),
        checksum: hex(
            "d1e40915ec36efaa60009ce96a51a81809cf218bfd9b130cb8773a29ab0250ee2487b7aa23c54550965452811c3594ff",
        ),
    },
    Migration {
        version: 2,
        description: "may have landed",
        sql: include_str!("../../migrations/sqlite/0002_may_have_landed.sql"),
        checksum: hex(
            "b90f108f01ce0702318cce98f5ced2e5a6a6ede4510ddb8a8de026dbc6939b9cd2a7236b5bbd6dcab8d3bba893379140",
        ),
    },
    Migration {
        version: 3,
        description: "bodies apart",
        sql: include_str!("../../migrations/sqlite/0003_bodies_apart.sql"),
        checksum: hex(
            "51b675a6ffffc0ba1ab90512077b14279963c758c17d92a4e65808695792bea896b0cbacf84655a934e21d7a6a56e346",
        ),
    },
    Migration {
        version: 4,
        description: "cheaper writes",
        sql: include_str!("../../migrations/sqlite/0004_cheaper_writes.sql"),
        checksum: hex(
            "d3c0f3b646a155ecb74c22155f484c3a86b20e5223ed785feb0618cf6e783e2c199f6dad16b738f96ff22e017be86f20",
        ),
    },
    Migration {
        version: 5,
        description: "account",
        sql: include_str!("../../migrations/sqlite/0005_account.sql"),
        checksum: hex(
            "7771a311d12379e726dec7150e4a4144eecca3077d5a3980ff2a606c9c8158b607d19926cc320b991281584fa425804c",
        ),
    },
    Migration {
        version: 6,
        description: "pauses",
        sql: include_str!("../../migrations/sqlite/0006_pauses.sql"),
        checksum: hex(
            "58323ec013826cc3f8db66484fc426193b8204e775bd18ab93c585b12d766edb346e1262b487137f6a5907fe72464d75",
        ),
    },
];

/// The bytes 96 hexadecimal digits spell.
const fn hex(digits: &str) -> [u8; 48] {
    const fn digit(byte: u8) -> u8 {
        match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            _ => panic!("not a lower-case hexadecimal digit"),
        }
    }
    let digits = digits.as_bytes();
    assert!(digits.len() == 96, "a SHA-384 is 96 hexadecimal digits");
    let mut bytes = [0; 48];
    let mut i = 0;
    while i < 48 {
        bytes[i] = (digit(digits[2 * i]) << 4) | digit(digits[2 * i + 1]);
        i += 1;
    }
    bytes
}

/// sqlx's table of applied migrations, as its SQLite migrator creates it.
const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations ( \
         version BIGINT PRIMARY KEY, \
         description TEXT NOT NULL, \
         installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
         success BOOLEAN NOT NULL, \
         checksum BLOB NOT NULL, \
         execution_time BIGINT NOT NULL \
     )";

/// Why a file could not be migrated.
#[derive(Debug, thiserror::Error)]
pub(super) enum MigrateError {
    /// SQLite failed.
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    /// `_sqlx_migrations` records a migration that did not finish.
    #[error("migration {0} was left unfinished (its `_sqlx_migrations` row says it did not succeed)")]
    Unfinished(i64),
    /// `_sqlx_migrations` records a migration this release does not have.
    #[error("migration {0} is not one of this release's: a newer release migrated the file")]
    Unknown(i64),
    /// `_sqlx_migrations` records another script under a known version.
    #[error("migration {0} was applied from another script than this release's")]
    Changed(i64),
}

/// Applies the migrations the file at `conn` has not had yet, all in one
/// transaction that holds the write lock (a second process opening the
/// same file at once waits, then finds them applied).
pub(super) fn run(conn: &mut Connection) -> Result<(), MigrateError> {
    if pending(conn)?.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(CREATE_TABLE)?;
    for migration in pending(&tx)? {
        let started = Instant::now();
        tx.execute_batch(migration.sql)?;
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?1, ?2, TRUE, ?3, ?4)",
            params![
                migration.version,
                migration.description,
                &migration.checksum[..],
                i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX)
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The migrations the file has not had, in order; an error when what it
/// had is not what this release would have applied.
fn pending(conn: &Connection) -> Result<Vec<&'static Migration>, MigrateError> {
    let recorded: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        [],
        |row| row.get(0),
    )?;
    let applied: Vec<(i64, bool, Vec<u8>)> = if recorded {
        conn.prepare("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    for (version, succeeded, checksum) in &applied {
        let known = MIGRATIONS.iter().find(|migration| migration.version == *version);
        match known {
            _ if !succeeded => return Err(MigrateError::Unfinished(*version)),
            None => return Err(MigrateError::Unknown(*version)),
            Some(migration) if migration.checksum[..] != checksum[..] => {
                return Err(MigrateError::Changed(*version));
            }
            Some(_) => {}
        }
    }
    Ok(MIGRATIONS
        .iter()
        .filter(|migration| !applied.iter().any(|(version, ..)| *version == migration.version))
        .collect())
}
