//! [`BudgetConnection`]: the budget's connection to Redis, which a budget
//! built from a URL replaces with a new one while Redis answers READONLY.

use std::sync::{Arc, Mutex};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The connection every permit and the feedback task use, shared.
#[derive(Clone)]
pub(crate) struct BudgetConnection {
    /// The connection and how many times it was replaced.
    current: Arc<Mutex<(u64, ConnectionManager)>>,
    /// One replacement at a time.
    replacing: Arc<tokio::sync::Mutex<()>>,
    /// How to open another: the client and configuration of a budget built
    /// from a URL; `None` for a connection the caller gave.
    opener: Option<(redis::Client, ConnectionManagerConfig)>,
}

impl BudgetConnection {
    /// A connection the caller gave: it is never replaced.
    pub(crate) fn given(connection: ConnectionManager) -> Self {
        BudgetConnection {
            current: Arc::new(Mutex::new((0, connection))),
            replacing: Arc::new(tokio::sync::Mutex::new(())),
            opener: None,
        }
    }

    /// A connection opened from `client` with `config`.
    pub(crate) async fn open(client: redis::Client, config: ConnectionManagerConfig) -> redis::RedisResult<Self> {
        let connection = ConnectionManager::new_with_config(client.clone(), config.clone()).await?;
        let mut opened = BudgetConnection::given(connection);
        opened.opener = Some((client, config));
        Ok(opened)
    }

    /// The current connection and its generation.
    pub(crate) fn get(&self) -> (u64, ConnectionManager) {
        let current = self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (current.0, current.1.clone())
    }

    /// Opens a new connection in place of the one of `generation` (its
    /// address is resolved again, so a failover that moved a DNS name is
    /// followed). Nothing happens when another caller replaced it already,
    /// when the connection was the caller's, or when the new one does not
    /// open (the current one stays).
    pub(crate) async fn replace(&self, generation: u64) {
        let Some((client, config)) = &self.opener else {
            return;
        };
        let _turn = self.replacing.lock().await;
        if self.get().0 != generation {
            return;
        }
        match ConnectionManager::new_with_config(client.clone(), config.clone()).await {
            Ok(fresh) => {
                let mut current = self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                *current = (generation + 1, fresh);
            }
            Err(error) => tracing::debug!(%error, "a new connection to Redis did not open"),
        }
    }
}
