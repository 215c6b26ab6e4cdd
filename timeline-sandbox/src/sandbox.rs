//! The handle of a running sandbox.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use timeline_core::wire::{TimelineEventResponse, TimelineEventTemplate};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::builder::SandboxBuilder;
use crate::faults::{FaultInjector, Faults};
use crate::state::State;
use crate::stats::Stats;

/// A running local stand-in for HubSpot's timeline API.
///
/// Dropping the handle stops the server too; [`Sandbox::shutdown`] also waits
/// for open connections to finish.
///
/// ```no_run
/// # async fn run() -> Result<(), timeline_sandbox::StartError> {
/// let sandbox = timeline_sandbox::Sandbox::builder().start().await?;
/// let base_url = sandbox.url(); // such as "http://127.0.0.1:40123"
/// # let _ = base_url;
/// assert!(sandbox.events().is_empty());
/// sandbox.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Sandbox {
    url: String,
    addr: SocketAddr,
    state: Arc<State>,
    stop: watch::Sender<()>,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// A builder with HubSpot's defaults and no templates.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    pub(crate) fn new(addr: SocketAddr, state: Arc<State>, stop: watch::Sender<()>, task: JoinHandle<()>) -> Self {
        Sandbox { url: format!("http://{addr}"), addr, state, stop, task }
    }

    /// The base URL, such as `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The stored events, in the order their (template, id) was first stored;
    /// a replacing re-send ([`crate::DuplicateIds::Replace`]) takes the place
    /// of the event it replaces.
    pub fn events(&self) -> Vec<TimelineEventResponse> {
        self.state.events().all()
    }

    /// The stored event with this template and id.
    pub fn event(&self, template_id: &str, event_id: &str) -> Option<TimelineEventResponse> {
        self.state.events().get(template_id, event_id).map(|stored| stored.event.clone())
    }

    /// How many event inputs with this template and id the sandbox received
    /// on the create routes, whatever became of them: stored, replaced,
    /// answered as identical, or refused. Ids are counted as sent (an id
    /// holding `{{uuid}}` under that text); inputs without an id, or that
    /// are not objects with a string `eventTemplateId` and `id`, are not
    /// counted.
    ///
    /// ```no_run
    /// # async fn run(sandbox: timeline_sandbox::Sandbox) {
    /// // After a client's retry, see whether the event went out twice:
    /// assert_eq!(sandbox.received("1001298", "order-17"), 1, "delivered twice");
    /// # }
    /// ```
    pub fn received(&self, template_id: &str, event_id: &str) -> u64 {
        self.state.received().get(template_id, event_id)
    }

    /// Every receive count of [`Sandbox::received`], by (template id, event id).
    pub fn received_counts(&self) -> BTreeMap<(String, String), u64> {
        self.state.received().all()
    }

    /// The templates the sandbox holds now, by id.
    pub fn templates(&self) -> Vec<TimelineEventTemplate> {
        self.state.templates().all()
    }

    /// What the sandbox has received and answered so far.
    pub fn stats(&self) -> Stats {
        self.state.stats().clone()
    }

    /// Clears stored events, contacts, counters, receive counts and
    /// rate-limit windows; templates, issued tokens and the fault plan stay.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Replaces the fault plan; the new plan starts from its first entry.
    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults() = FaultInjector::new(faults);
    }

    /// Stops accepting connections, lets open ones finish their current
    /// request, and waits for the server to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Err(error) = self.task.await {
            tracing::warn!(%error, "the sandbox server task failed");
        }
    }
}
