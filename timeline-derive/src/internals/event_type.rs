//! Which HubSpot API a `#[derive(TimelineEvent)]` struct's events go to, and
//! under which event type, from its attributes and its definition file.
//!
//! - A v3 timeline event: `template_id = "…"`, a v3 template file (HubSpot's
//!   get-template JSON), or an app-event `*-hsmeta.json` file together with
//!   `template_id` (an app moving from v3 checks its v3 events against the
//!   definition it migrates to).
//! - An app event: a `*-hsmeta.json` file without `template_id` (the event
//!   type name is its `uid`, or `event_type = "…"`), or `event_type = "…"`
//!   alone (unchecked).
//!
//! `event_type` and `object_type` belong to app events only; the object type
//! (`objectTypeFullyQualifiedName`) is required for a definition with
//! `supportsCustomObject: true`, refused for one on a standard object type
//! (`CONTACT`, `COMPANY`, `DEAL`, `TICKET`), and optional for `APP_OBJECT`
//! and for an unchecked app event.

use timeline_template::Origin;

use super::ast::Container;
use super::attr::{self, Role, Sp};
use super::ctxt::Ctxt;
use crate::template::Template;

/// The API an event goes to.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Api {
    /// `POST /integrators/timeline/v3/events/batch/create`.
    Timeline,
    /// The app-events API.
    AppEvent,
}

/// Where each event's `objectTypeFullyQualifiedName` comes from.
pub enum ObjectType {
    /// It has none.
    None,
    /// The `#[timeline(object_type)]` field.
    Field,
    /// The struct's `object_type = "…"`.
    Fixed(String),
}

/// The event type of a struct's events.
pub struct EventType {
    /// The API they go to.
    pub api: Api,
    /// `EVENT_TYPE`: the template id, or the app event's event type name.
    pub name: String,
    /// Where their object type comes from.
    pub object_type: ObjectType,
}

/// The struct's event type, or `None` with the reasons recorded.
///
/// `template` is the definition file, when `attrs.template` names one that
/// could be read; `cont` is the struct, when it is one with named fields.
pub fn resolve(
    cx: &Ctxt,
    attrs: &attr::Container,
    cont: Option<&Container>,
    template: Option<&Template>,
) -> Option<EventType> {
    if attrs.template.is_some() && template.is_none() {
        // The file's own error is recorded; without it the kind is unknown.
        return None;
    }
    let object_type_field = cont.and_then(|cont| cont.roles().find(|(_, role)| role.value == Role::ObjectType));
    let object_type_field = object_type_field.map(|(_, role)| role.span);
    let (api, name) = match template {
        Some(template) => from_file(cx, attrs, template)?,
        None => without_file(cx, attrs)?,
    };
    let object_type = match api {
        Api::Timeline => {
            refuse_object_type(
                cx,
                attrs,
                object_type_field,
                "it is a v3 timeline event, which has no object type name",
            );
            ObjectType::None
        }
        Api::AppEvent => app_event_object_type(cx, attrs, cont, object_type_field, template)?,
    };
    Some(EventType { api, name: name?, object_type })
}

/// The API and name from a definition file and the attributes.
fn from_file(cx: &Ctxt, attrs: &attr::Container, template: &Template) -> Option<(Api, Option<String>)> {
    let file = &template.written;
    match (&template.definition.origin, &attrs.template_id) {
        (Origin::EventTemplate { id }, given) => {
            if let Some(event_type) = &attrs.event_type {
                cx.error_at(
                    event_type.span,
                    format!(
                        "`event_type` names an app event type, but `{file}` is a v3 event template (id {id}); \
                         remove `event_type`, or bind the struct to the app event's `*-hsmeta.json` file"
                    ),
                );
            }
            match given {
                Some(given) if given.value != *id => {
                    cx.error_at(
                        given.span,
                        format!(
                            "`template_id = {:?}` contradicts `{file}`, whose `id` is {id:?}; remove `template_id` \
                             (the file gives the id) or correct it",
                            given.value
                        ),
                    );
                    Some((Api::Timeline, None))
                }
                _ => Some((Api::Timeline, Some(id.clone()))),
            }
        }
        (Origin::AppEvent { uid }, _) if attrs.template_id_written => {
            if let Some(event_type) = &attrs.event_type {
                cx.error_at(
                    event_type.span,
                    format!(
                        "`template_id` makes this a v3 timeline event (checked against the app-event definition \
                         `{file}`, uid `{uid}`), and `event_type` makes it an app event; keep `template_id` for a v3 \
                         event, or remove it for an app event"
                    ),
                );
            }
            Some((Api::Timeline, attrs.template_id.as_ref().map(|id| id.value.clone())))
        }
        (Origin::AppEvent { uid }, _) => {
            if attrs.event_type_written && attrs.event_type.is_none() {
                return Some((Api::AppEvent, None));
            }
            let name = attrs.event_type.as_ref().map_or_else(|| uid.clone(), |given| given.value.clone());
            Some((Api::AppEvent, Some(name)))
        }
    }
}

/// The API and name from the attributes alone.
fn without_file(cx: &Ctxt, attrs: &attr::Container) -> Option<(Api, Option<String>)> {
    match (attrs.template_id_written, attrs.event_type_written) {
        (true, true) => {
            if let Some(event_type) = &attrs.event_type {
                cx.error_at(
                    event_type.span,
                    "`template_id` makes this a v3 timeline event and `event_type` an app event; keep one of them",
                );
            }
            None
        }
        (true, false) => Some((Api::Timeline, attrs.template_id.as_ref().map(|id| id.value.clone()))),
        (false, true) => Some((Api::AppEvent, attrs.event_type.as_ref().map(|name| name.value.clone()))),
        // The missing attribute is reported with the attributes.
        (false, false) => None,
    }
}

/// Records an error on each object type given, which `reason` rules out.
fn refuse_object_type(cx: &Ctxt, attrs: &attr::Container, field: Option<proc_macro2::Span>, reason: &str) {
    if let Some(given) = &attrs.object_type {
        cx.error_at(
            given.span,
            format!("`object_type` names the custom object type of an app event's records, but {reason}; remove it"),
        );
    }
    if let Some(span) = field {
        cx.error_at(
            span,
            format!(
                "`#[timeline(object_type)]` names the custom object type of an app event's records, but {reason}; \
                 remove it, or mark the field `#[timeline(skip)]`"
            ),
        );
    }
}

/// Where an app event's object type comes from, by its definition's object type.
fn app_event_object_type(
    cx: &Ctxt,
    attrs: &attr::Container,
    cont: Option<&Container>,
    field: Option<proc_macro2::Span>,
    template: Option<&Template>,
) -> Option<ObjectType> {
    if let Some(template) = template {
        let definition = &template.definition;
        let standard = !definition.custom_object && definition.object_type != "app_objects";
        if standard {
            let reason = format!(
                "`{}` defines an app event on `{}` records, whose type needs no name",
                template.written, definition.object_type
            );
            refuse_object_type(cx, attrs, field, &reason);
            return Some(ObjectType::None);
        }
    }
    match (&attrs.object_type, field) {
        (Some(given), Some(_)) => {
            cx.error_at(
                given.span,
                "the object type is given twice, by `object_type = \"…\"` and by a `#[timeline(object_type)]` \
                 field; keep one",
            );
            None
        }
        (Some(Sp { value, .. }), None) => Some(ObjectType::Fixed(value.clone())),
        (None, Some(_)) => Some(ObjectType::Field),
        (None, None) => match template.filter(|template| template.definition.custom_object) {
            Some(template) => {
                if let Some(cont) = cont {
                    cx.error_spanned_by(
                        cont.ident,
                        format!(
                            "`{}` defines an app event on custom objects (`supportsCustomObject: true`), so each \
                             event names its object type (`objectTypeFullyQualifiedName`); add \
                             `#[timeline(object_type = \"p1234_car\")]` to the struct, or a string field marked \
                             `#[timeline(object_type)]`",
                            template.written
                        ),
                    );
                }
                None
            }
            None => Some(ObjectType::None),
        },
    }
}
