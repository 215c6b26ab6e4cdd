//! [`EnqueueListener`]: waiting for rows that callers' transactions added.

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use timeline_dispatch::Error;

use crate::codec::db_error;

/// Waits for [`PgOutbox::enqueue_in`](crate::PgOutbox::enqueue_in)'s
/// notifications: from [`PgOutbox::listen`](crate::PgOutbox::listen).
///
/// A notification says that some transaction which added rows committed,
/// not which rows: a dispatcher that gets one claims as it would on a poll.
/// Notifications sent while its connection was lost are lost with it (it
/// reconnects on the next [`recv`](Self::recv)), so keep polling too.
#[derive(Debug)]
pub struct EnqueueListener {
    listener: PgListener,
}

impl EnqueueListener {
    pub(crate) async fn connect(pool: &PgPool, channel: &str) -> Result<Self, Error> {
        let mut listener = PgListener::connect_with(pool).await.map_err(db_error("connect to listen"))?;
        listener.listen(channel).await.map_err(db_error("listen"))?;
        Ok(EnqueueListener { listener })
    }

    /// Waits until a transaction that added rows commits.
    pub async fn recv(&mut self) -> Result<(), Error> {
        self.listener.recv().await.map(drop).map_err(db_error("wait for a notification"))
    }
}
