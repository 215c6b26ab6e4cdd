//! The TLS crypto provider: rustls on ring for every HTTPS and TLS
//! connection of the workspace (reqwest's, the Redis budget's).

/// Makes ring rustls's process-wide crypto provider, unless the program
/// installed one already (then that one serves): reqwest, built without a
/// provider of its own, and the redis crate's TLS both take it. The
/// [`ClientBuilder`](crate::ClientBuilder) calls it before it builds its
/// HTTP client; call it yourself only before building TLS connections of
/// your own with these crates.
///
/// ```
/// timeline_core::install_tls_provider();
/// assert!(rustls::crypto::CryptoProvider::get_default().is_some());
/// ```
pub fn install_tls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may install one first; either serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
