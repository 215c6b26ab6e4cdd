//! [`InputFields`]: an input whose event type and tokens are known only at
//! run time, written by the same encoder as a typed event.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::AccountId;
use crate::encode::{Parts, check_target, write_parts};
use crate::error::EncodeError;
use crate::id::{PendingId, check_event_id};
use crate::id_hash::IdHasher;
use crate::kind::EventKind;
use crate::target::Target;

/// The fields of one input read at run time (a line of JSON, a request
/// relayed from another program): what a [`TimelineEvent`](crate::TimelineEvent)
/// gives through its trait, as values.
///
/// [`encode`](Self::encode) writes it with the encoder of
/// [`encode_input`](crate::encode_input): the same keys in the same order,
/// the same checks of the target, timestamp and id, and the same derived id
/// as a typed event with the same content.
///
/// ```
/// use timeline_core::{EventKind, InputFields, Target};
///
/// let fields = InputFields {
///     kind: EventKind::Timeline,
///     event_type: "1001298".to_owned(),
///     tokens: vec![("petName".to_owned(), "Rex".to_owned())],
///     target: Target { email: Some("ada@example.com".into()), ..Target::default() },
///     timestamp: None,
///     extra_data: None,
///     timeline_iframe: None,
///     id: Some("adoption-1".to_owned()),
/// };
/// let mut body = Vec::new();
/// assert_eq!(fields.encode(None, &mut body).unwrap(), "adoption-1");
/// assert_eq!(
///     String::from_utf8(body).unwrap(),
///     r#"{"eventTemplateId":"1001298","tokens":{"petName":"Rex"},"email":"ada@example.com","id":"adoption-1"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputFields {
    /// A v3 timeline event or an app event.
    pub kind: EventKind,
    /// The template id, or the app event's type name.
    pub event_type: String,
    /// The tokens (an app event's properties): names and their text as
    /// sent, written in this order.
    pub tokens: Vec<(String, String)>,
    /// The record the event is about.
    pub target: Target<'static>,
    /// When it happened; HubSpot uses the time it receives it when `None`.
    pub timestamp: Option<DateTime<Utc>>,
    /// `extraData`.
    pub extra_data: Option<Map<String, Value>>,
    /// `timelineIFrame`, as HubSpot takes it.
    pub timeline_iframe: Option<Map<String, Value>>,
    /// The input's own id; `None` derives one from the content, as
    /// [`event_id`](crate::event_id) derives a typed event's.
    pub id: Option<String>,
}

impl InputFields {
    /// Appends the input's JSON to `out` and returns its id: its own, or
    /// the one derived from its content (for `account` when given, the id
    /// an `App`'s client of that account derives). On error nothing is
    /// appended.
    pub fn encode(&self, account: Option<AccountId>, out: &mut Vec<u8>) -> Result<String, EncodeError> {
        check_target(self.kind, None, &self.target)?;
        let id = match &self.id {
            Some(id) => {
                check_event_id(id)?;
                PendingId::Explicit(id.as_str().into())
            }
            None => {
                PendingId::Derived(IdHasher::new(self.kind, &self.event_type, &self.target, self.timestamp, account))
            }
        };
        let parts =
            Parts { kind: self.kind, event_type: &self.event_type, target: &self.target, timestamp: self.timestamp };
        let start = out.len();
        let written = write_parts(
            out,
            parts,
            id,
            |writer| {
                for (name, text) in &self.tokens {
                    writer.write(name, text);
                }
                Ok(())
            },
            |out| {
                let Some(extra_data) = &self.extra_data else { return Ok(None) };
                out.extend_from_slice(b",\"extraData\":");
                let value_start = out.len();
                serde_json::to_writer(&mut *out, extra_data).expect("a JSON object always serializes");
                Ok(Some(value_start..out.len()))
            },
            self.timeline_iframe.as_ref(),
            |iframe| Value::Object(iframe.clone()),
        );
        match written {
            Ok(id) => Ok(id.into_owned()),
            Err(error) => {
                out.truncate(start);
                Err(error)
            }
        }
    }
}
