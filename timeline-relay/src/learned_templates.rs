//! [`LearnedTemplates`]: the event templates a relay without definition
//! files learns from HubSpot, to check v3 inputs at the edge and to give
//! v3 answers their object type. It learns a template from the template
//! calls that pass through it (a get, a list, a create, an update), forgets
//! it when a call changes it (a delete, a token call), and, given a
//! [`TemplateSource`], asks HubSpot for a template it does not know. What
//! it learned is trusted for [`LEARNED_FOR`]; an input whose template it
//! does not know goes unchecked (HubSpot checks it).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use timeline_core::check::EventTypes;
use timeline_core::wire::{CollectionResponseTimelineEventTemplateNoPaging, TimelineEventTemplate};
use timeline_core::{Client, Error};
use timeline_template::Definition;

/// How long a template learned from HubSpot is trusted: a change made past
/// the relay shows within this time.
pub const LEARNED_FOR: Duration = Duration::from_secs(60);

/// Where a relay asks HubSpot for the templates it does not know: a client
/// with the app's developer key
/// ([`ClientBuilder::developer_key`](timeline_core::ClientBuilder::developer_key))
/// and the app's id.
///
/// ```
/// let client = timeline_core::Client::builder().developer_key("developer-key").build().unwrap();
/// let source = timeline_relay::TemplateSource::new(client, 123456);
/// # let _ = source;
/// ```
#[derive(Debug, Clone)]
pub struct TemplateSource {
    client: Client,
    app_id: i32,
}

impl TemplateSource {
    /// Asks with `client` for the templates of the app `app_id`.
    pub fn new(client: Client, app_id: i32) -> Self {
        TemplateSource { client, app_id }
    }
}

/// What the relay knows of one template id.
#[derive(Debug)]
enum Known {
    /// Its definition.
    Template(Definition),
    /// HubSpot has no template of that id.
    Missing,
}

/// The templates a relay learned, each until its time is up.
#[derive(Debug, Default)]
pub(crate) struct LearnedTemplates {
    known: Mutex<HashMap<String, (Known, Instant)>>,
    source: Option<TemplateSource>,
}

impl LearnedTemplates {
    /// Learns from passing template calls alone, or also by asking `source`.
    pub(crate) fn new(source: Option<TemplateSource>) -> Self {
        LearnedTemplates { known: Mutex::default(), source }
    }

    /// The definitions known now of the templates `ids`, asking HubSpot
    /// (when the relay has a source) for those it does not know; a template
    /// HubSpot could not be asked about is left out, unchecked.
    pub(crate) async fn definitions<'i>(&self, ids: impl IntoIterator<Item = &'i str>) -> EventTypes {
        let mut types = EventTypes::new();
        let mut asked: Vec<&str> = Vec::new();
        for id in ids {
            if asked.contains(&id) {
                continue;
            }
            asked.push(id);
            let definition = match self.known(id) {
                Some(known) => known,
                None => self.ask(id).await,
            };
            if let Some(definition) = definition
                && let Err(problem) = types.insert(definition)
            {
                tracing::warn!(template = id, %problem, "a template learned from HubSpot is not used to check inputs");
            }
        }
        types
    }

    /// Learns what a template call's successful answer `body` says: the
    /// template of a get, a create or an update, the templates of a list;
    /// forgets the template a delete or a token call changed. `path` is
    /// the part after `/integrators/timeline/v3/{appId}/event-templates`.
    pub(crate) fn learn_from_answer(&self, method: &Method, path: &str, status: StatusCode, body: &[u8]) {
        if !status.is_success() {
            return;
        }
        let segments: Vec<&str> = path.split('/').filter(|segment| !segment.is_empty()).collect();
        match (method, segments.as_slice()) {
            (&Method::GET, []) => match serde_json::from_slice::<CollectionResponseTimelineEventTemplateNoPaging>(body)
            {
                Ok(list) => list.results.iter().for_each(|template| self.learn(template)),
                Err(error) => tracing::debug!(%error, "a template list that passed could not be read"),
            },
            (&Method::GET | &Method::PUT, [_]) | (&Method::POST, []) => {
                match serde_json::from_slice::<TimelineEventTemplate>(body) {
                    Ok(template) => self.learn(&template),
                    Err(error) => tracing::debug!(%error, "a template that passed could not be read"),
                }
            }
            (_, [id, ..]) => {
                self.lock().remove(*id);
            }
            _ => {}
        }
    }

    /// Whether a call of `method` on the template path part `path` is one
    /// whose answer [`learn_from_answer`](Self::learn_from_answer) reads.
    pub(crate) fn reads_answer(method: &Method, path: &str) -> bool {
        let segments = path.split('/').filter(|segment| !segment.is_empty()).count();
        matches!((method, segments), (&Method::GET, 0 | 1) | (&Method::POST, 0) | (&Method::PUT, 1))
    }

    /// Remembers `template`'s definition for [`LEARNED_FOR`].
    fn learn(&self, template: &TimelineEventTemplate) {
        let definition = Definition::from(template);
        self.lock().insert(template.id.clone(), (Known::Template(definition), Instant::now() + LEARNED_FOR));
    }

    /// What is known of `id` now: `Some(None)` when HubSpot has no such
    /// template, `None` when nothing is known.
    fn known(&self, id: &str) -> Option<Option<Definition>> {
        let mut known = self.lock();
        let (entry, until) = known.get(id)?;
        if *until <= Instant::now() {
            known.remove(id);
            return None;
        }
        Some(match entry {
            Known::Template(definition) => Some(definition.clone()),
            Known::Missing => None,
        })
    }

    /// Asks HubSpot for the template `id`, when the relay has a source;
    /// remembers its answer, unless HubSpot could not answer.
    async fn ask(&self, id: &str) -> Option<Definition> {
        let source = self.source.as_ref()?;
        let known = match source.client.templates(source.app_id).get(id).await {
            Ok(template) => Known::Template(Definition::from(&template)),
            Err(Error::Api { status: 404, .. }) => Known::Missing,
            Err(error) => {
                tracing::warn!(template = id, %error, "HubSpot could not be asked for a template; its inputs go unchecked");
                return None;
            }
        };
        let definition = match &known {
            Known::Template(definition) => Some(definition.clone()),
            Known::Missing => None,
        };
        self.lock().insert(id.to_owned(), (known, Instant::now() + LEARNED_FOR));
        definition
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Known, Instant)>> {
        self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
