//! Stored events keyed by (template, id) across all accounts, each with its
//! account, and the contacts that emails and utks find or create.

use std::collections::HashMap;

use timeline_core::wire::TimelineEventResponse;

/// The first object id given to a contact the sandbox creates.
const FIRST_CONTACT_ID: u64 = 5_100_001;

/// Which fields of a stored event its input carried, so that a re-send can
/// be compared with what was sent rather than with what the sandbox filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SentFields {
    /// The input carried `objectId` (otherwise it came from the email or utk).
    pub(crate) object_id: bool,
    /// The input carried `timestamp` (otherwise it is the time of storing).
    pub(crate) timestamp: bool,
}

/// An event as stored, with what its input carried and its account.
#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    /// The event as the API returns it.
    pub(crate) event: TimelineEventResponse,
    /// Which of its fields the input carried.
    pub(crate) sent: SentFields,
    /// The account that sent it.
    pub(crate) account: u64,
}

/// The events and contacts the sandbox holds.
#[derive(Debug)]
pub(crate) struct EventStore {
    /// The events, in the order their ids were first stored.
    events: Vec<StoredEvent>,
    /// Where each event is in `events`, by template id, then by event id.
    positions: HashMap<String, HashMap<String, usize>>,
    contacts_by_email: HashMap<String, String>,
    contacts_by_utk: HashMap<String, String>,
    next_contact_id: u64,
}

impl Default for EventStore {
    fn default() -> Self {
        EventStore {
            events: Vec::new(),
            positions: HashMap::new(),
            contacts_by_email: HashMap::new(),
            contacts_by_utk: HashMap::new(),
            next_contact_id: FIRST_CONTACT_ID,
        }
    }
}

impl EventStore {
    /// Fills in the event's `objectId` from its email or utk, finding or
    /// creating the contact. With an `objectId` and an email, the contact with
    /// that id takes the email, as HubSpot does.
    pub(crate) fn resolve_contact(&mut self, event: &mut TimelineEventResponse) {
        let email = event.email.as_deref().map(str::to_ascii_lowercase);
        let utk = event.utk.clone();
        let object_id = match event.object_id.take() {
            Some(object_id) => object_id,
            None => {
                let known = email
                    .as_ref()
                    .and_then(|email| self.contacts_by_email.get(email))
                    .or_else(|| utk.as_ref().and_then(|utk| self.contacts_by_utk.get(utk)));
                match known {
                    Some(object_id) => object_id.clone(),
                    None if email.is_some() || utk.is_some() => {
                        let object_id = self.next_contact_id.to_string();
                        self.next_contact_id += 1;
                        object_id
                    }
                    None => return,
                }
            }
        };
        if let Some(email) = email {
            self.contacts_by_email.insert(email, object_id.clone());
        }
        if let Some(utk) = utk {
            self.contacts_by_utk.insert(utk, object_id.clone());
        }
        event.object_id = Some(object_id);
    }

    /// Stores the event, replacing any earlier event with its template and id.
    pub(crate) fn put(&mut self, stored: StoredEvent) {
        let event = &stored.event;
        let by_id = match self.positions.get_mut(&event.event_template_id) {
            Some(by_id) => by_id,
            None => self.positions.entry(event.event_template_id.clone()).or_default(),
        };
        match by_id.get(&event.id) {
            Some(&position) => self.events[position] = stored,
            None => {
                by_id.insert(event.id.clone(), self.events.len());
                self.events.push(stored);
            }
        }
    }

    /// The event with this template and id, with what its input carried.
    pub(crate) fn get(&self, template_id: &str, event_id: &str) -> Option<&StoredEvent> {
        let position = *self.positions.get(template_id)?.get(event_id)?;
        self.events.get(position)
    }

    /// Every event, in the order their ids were first stored.
    pub(crate) fn all(&self) -> Vec<TimelineEventResponse> {
        self.events.iter().map(|stored| stored.event.clone()).collect()
    }

    /// The events of one account, in the order their ids were first stored.
    pub(crate) fn in_account(&self, account: u64) -> Vec<TimelineEventResponse> {
        self.events.iter().filter(|stored| stored.account == account).map(|stored| stored.event.clone()).collect()
    }

    /// Drops the events of a deleted template.
    pub(crate) fn remove_template(&mut self, template_id: &str) {
        if self.positions.remove(template_id).is_none() {
            return;
        }
        self.events.retain(|stored| stored.event.event_template_id != template_id);
        for (position, StoredEvent { event, .. }) in self.events.iter().enumerate() {
            if let Some(stored) =
                self.positions.get_mut(&event.event_template_id).and_then(|by_id| by_id.get_mut(&event.id))
            {
                *stored = position;
            }
        }
    }

    /// Forgets every event and contact.
    pub(crate) fn clear(&mut self) {
        *self = EventStore::default();
    }
}
