//! The accept loop: each connection is served by hyper directly, so that an
//! answer marked [`CloseConnection`] can drop the connection unanswered.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::Sandbox;
use crate::accounts::{Account, Accounts};
use crate::config::Config;
use crate::faults::Faults;
use crate::routes::{self, CloseConnection};
use crate::state::State;
use crate::templates::TemplateStore;

/// The pause after a failed accept (such as too many open files), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// Starts serving `listener` on a new task and returns the handle.
pub(crate) fn spawn(
    listener: TcpListener,
    addr: SocketAddr,
    config: Config,
    accounts: Accounts,
    templates: TemplateStore,
    faults: Faults,
) -> Sandbox {
    let state = Arc::new(State::new(config, accounts, templates, faults));
    let router = routes::router(state.clone());
    let (stop, stopped) = watch::channel(());
    let task = tokio::spawn(accept_loop(listener, router, state.clone(), stopped));
    tracing::info!(%addr, "timeline sandbox listening");
    Sandbox::new(addr, state, stop, task)
}

/// Accepts connections until told to stop (or the handle is dropped), then
/// lets open connections finish their current request.
async fn accept_loop(listener: TcpListener, router: Router, state: Arc<State>, mut stopped: watch::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone(), state.clone(), stopped.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = stopped.changed() => break,
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Serves one connection over HTTP/1.1.
async fn serve_connection(stream: TcpStream, router: Router, state: Arc<State>, mut stopped: watch::Receiver<()>) {
    let close = Arc::new(Notify::new());
    let close_signal = close.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let (router, state, close) = (router.clone(), state.clone(), close_signal.clone());
        async move {
            let counted = !request.uri().path().starts_with("/_sandbox");
            if counted {
                state.counters().add(None, |stats| stats.requests += 1);
            }
            let response = match router.oneshot(request.map(Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let account = response.extensions().get::<Account>().map(|Account(account)| *account);
            if counted && let Some(account) = account {
                state.counters().add_to_account(account, |stats| stats.requests += 1);
            }
            if response.extensions().get::<CloseConnection>().is_some() {
                state.counters().add(account, |stats| stats.connections_closed += 1);
                close.notify_one();
                std::future::pending::<()>().await;
            }
            if counted {
                let status = response.status().as_u16();
                state.counters().add(account, |stats| *stats.responses_by_status.entry(status).or_default() += 1);
            }
            Ok::<_, Infallible>(response)
        }
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = close.notified() => return,
        _ = stopped.changed() => {}
    }
    connection.as_mut().graceful_shutdown();
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = close.notified() => {}
    }
}
