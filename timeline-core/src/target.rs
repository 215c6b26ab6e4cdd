//! Who an event is about: the CRM record that shows it on its timeline.

use std::borrow::Cow;

use crate::id_text::IdText;

/// The record an event belongs to.
///
/// HubSpot needs `object_id`, or for contact templates `email` or `utk`.
/// `domain` only goes with `utk`.
///
/// ```
/// use timeline_core::Target;
/// let target = Target { email: Some("ada@example.com".into()), ..Target::default() };
/// assert!(target.is_identified());
/// assert!(!Target::default().is_identified());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Target<'a> {
    /// The CRM record id.
    pub object_id: Option<IdText<'a>>,
    /// A contact's email: HubSpot finds the contact or creates it.
    pub email: Option<Cow<'a, str>>,
    /// A contact's `hubspotutk` cookie value.
    pub utk: Option<Cow<'a, str>>,
    /// The domain that goes with `utk`.
    pub domain: Option<Cow<'a, str>>,
    /// The fully-qualified name of the record's object type
    /// (`objectTypeFullyQualifiedName`), for app events on custom objects;
    /// v3 timeline events have no such field.
    pub object_type: Option<Cow<'a, str>>,
}

impl Target<'_> {
    /// Whether the target names a record (by object id, email or utk).
    pub fn is_identified(&self) -> bool {
        self.object_id.is_some() || self.email.is_some() || self.utk.is_some()
    }
}
