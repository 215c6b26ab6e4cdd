//! One database per test, on a server shared by the tests of a test binary.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, Weak};

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::PgServer;

/// The server the live [`TestDb`]s of this process share: started by the
/// first, stopped when the last one is dropped (a later test starts another).
static SHARED: Mutex<Weak<PgServer>> = Mutex::new(Weak::new());

/// Connections in a [`TestDb::pool`].
const POOL_CONNECTIONS: u32 = 8;

/// A database of its own for one test, on a throwaway [`PgServer`] shared
/// with the other tests of the same test binary.
///
/// Databases are never dropped: they go with the server, whose folder is
/// removed when the last `TestDb` of the process is dropped.
#[derive(Debug)]
pub struct TestDb {
    server: Arc<PgServer>,
    name: String,
    url: String,
}

impl TestDb {
    /// Creates a fresh database named after `test` (any text, such as
    /// `"module::test_name"`: the name is made a valid identifier and made
    /// unique by a hash), starting the shared server if none runs. Returns
    /// `None` where [`PgServer::start`] does.
    ///
    /// # Panics
    ///
    /// Where [`PgServer::start`] and [`PgServer::create_database`] do.
    pub async fn new(test: &str) -> Option<TestDb> {
        let server = shared_server()?;
        let name = database_name(test);
        let url = server.create_database(&name).await;
        Some(TestDb { server, name, url })
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server it is on.
    pub fn server(&self) -> &PgServer {
        &self.server
    }

    /// A new pool of connections to the database.
    ///
    /// # Panics
    ///
    /// When the server refuses the connection.
    pub async fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(POOL_CONNECTIONS)
            .connect(&self.url)
            .await
            .expect("connect to the test database")
    }
}

fn shared_server() -> Option<Arc<PgServer>> {
    let mut shared = SHARED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(server) = shared.upgrade() {
        return Some(server);
    }
    let server = Arc::new(PgServer::start()?);
    *shared = Arc::downgrade(&server);
    Some(server)
}

/// `t_` and the test's name made an identifier, cut to fit, and a hash of
/// the whole name, so distinct tests get distinct databases.
fn database_name(test: &str) -> String {
    let mut hasher = DefaultHasher::new();
    test.hash(&mut hasher);
    let readable: String =
        test.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).take(40).collect();
    format!("t_{readable}_{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::database_name;

    #[test]
    fn database_names_are_identifiers_and_distinct() {
        let long = "a::b::".repeat(30);
        for test in ["outbox::claims", "outbox::claims2", "Weird name! ü", long.as_str()] {
            let name = database_name(test);
            assert!(name.len() <= 63, "{name}");
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{name}");
        }
        assert_ne!(database_name("outbox::claims"), database_name("outbox::claims2"));
        assert_ne!(database_name(&long), database_name(&format!("{long}x")));
    }
}
