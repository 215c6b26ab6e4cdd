//! [`Error`]: the one error type of this crate, for the dispatcher's calls
//! and for [`Outbox`](crate::Outbox) implementations.

use timeline_core::EncodeError;

/// Why a call of this crate failed.
///
/// Which calls end with which variant:
///
/// | call | variants |
/// |---|---|
/// | [`DispatcherBuilder::spawn`](crate::DispatcherBuilder::spawn) | [`InvalidSetting`](Error::InvalidSetting) |
/// | [`Dispatcher::emit`](crate::Dispatcher::emit) (nothing stored) | [`Encode`](Error::Encode), [`ShutDown`](Error::ShutDown), [`Outbox`](Error::Outbox) |
/// | [`Dispatcher::try_emit`](crate::Dispatcher::try_emit) | as `emit`, and [`Full`](Error::Full) |
/// | [`Dispatcher::flush`](crate::Dispatcher::flush) | [`ShutDown`](Error::ShutDown), [`Died`](Error::Died) |
/// | [`Dispatcher::shutdown`](crate::Dispatcher::shutdown) | [`Died`](Error::Died) |
/// | every [`Outbox`](crate::Outbox) method | [`Outbox`](Error::Outbox) |
///
/// ```
/// use timeline_dispatch::Error;
/// let error = Error::outbox("the disk is full", std::io::Error::other("ENOSPC"));
/// assert_eq!(error.to_string(), "the disk is full");
/// assert!(std::error::Error::source(&error).is_some());
/// assert!(matches!(Error::outbox_message("gone"), Error::Outbox { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting [`DispatcherBuilder::spawn`](crate::DispatcherBuilder::spawn)
    /// refused (a value out of range, or settings that contradict each other).
    #[error("invalid dispatcher setting: {0}")]
    InvalidSetting(String),
    /// The event does not encode; nothing was stored.
    #[error("the event does not encode: {0}")]
    Encode(#[from] EncodeError),
    /// The bound on undelivered rows is reached
    /// ([`try_emit`](crate::Dispatcher::try_emit) refuses instead of waiting).
    #[error("the outbox holds as many undelivered events as the dispatcher's bound allows")]
    Full,
    /// The dispatcher was shut down (or dropped): it takes no more events,
    /// and a [`flush`](crate::Dispatcher::flush) still waiting ends.
    #[error("the dispatcher is shut down")]
    ShutDown,
    /// The dispatcher's task died: a panic in the sink, in the outbox, or in
    /// the dispatcher itself. It delivers nothing more; what it had claimed
    /// comes back to pending when the leases end (for another dispatcher, or
    /// the next start), and `emit` refuses with [`ShutDown`](Error::ShutDown).
    #[error("the dispatcher's task died: {message}")]
    Died {
        /// What the panic said.
        message: String,
    },
    /// An outbox call failed: the storage underneath (a database error, a
    /// full disk). Nothing the call was asked to do is half done.
    #[error("{message}")]
    Outbox {
        /// What failed.
        message: String,
        /// The error underneath, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl Error {
    /// An outbox failure saying `message`, caused by `source`.
    pub fn outbox(message: impl Into<String>, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::Outbox { message: message.into(), source: Some(source.into()) }
    }

    /// An outbox failure saying `message`, with no error underneath.
    pub fn outbox_message(message: impl Into<String>) -> Self {
        Error::Outbox { message: message.into(), source: None }
    }
}

/// Why [`Dispatcher::try_emit`](crate::Dispatcher::try_emit) stored nothing,
/// with the event handed back.
#[derive(thiserror::Error)]
#[error("{error}")]
pub struct TryEmitError<E> {
    /// The event, not stored.
    pub event: E,
    /// Why: [`Error::Full`], or what [`emit`](crate::Dispatcher::emit) would
    /// have failed with.
    #[source]
    pub error: Error,
}

impl<E> std::fmt::Debug for TryEmitError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TryEmitError").field("error", &self.error).finish_non_exhaustive()
    }
}
