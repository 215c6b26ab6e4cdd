//! One [`Symbol`] per attribute keyword, so that keywords are spelled once.

use std::fmt::{self, Display};

use syn::Path;

/// An attribute keyword, compared against paths and idents.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Symbol(&'static str);

/// The attribute namespace: `#[timeline(...)]`.
pub const TIMELINE: Symbol = Symbol("timeline");

/// Container: the event template's id.
pub const TEMPLATE_ID: Symbol = Symbol("template_id");
/// Container: an app event's event type name.
pub const EVENT_TYPE: Symbol = Symbol("event_type");
/// Container, or a field's role: an app event's `objectTypeFullyQualifiedName`.
pub const OBJECT_TYPE: Symbol = Symbol("object_type");
/// Container: a template definition file, relative to the crate's folder.
pub const TEMPLATE: Symbol = Symbol("template");
/// Container: every token of the template file needs a field.
pub const REQUIRE_ALL_TOKENS: Symbol = Symbol("require_all_tokens");
/// Container: the case rule for every token or option name.
pub const RENAME_ALL: Symbol = Symbol("rename_all");
/// Container: the path of the runtime crate.
pub const CRATE: Symbol = Symbol("crate");

/// Field or variant: its own name.
pub const RENAME: Symbol = Symbol("rename");
/// Field: not part of the event.
pub const SKIP: Symbol = Symbol("skip");

/// Role: the CRM record id.
pub const OBJECT_ID: Symbol = Symbol("object_id");
/// Role: a contact's email.
pub const EMAIL: Symbol = Symbol("email");
/// Role: a contact's `hubspotutk`.
pub const UTK: Symbol = Symbol("utk");
/// Role: the domain that goes with `utk`.
pub const DOMAIN: Symbol = Symbol("domain");
/// Role: the event's idempotency key.
pub const ID: Symbol = Symbol("id");
/// Role: when the event happened.
pub const TIMESTAMP: Symbol = Symbol("timestamp");
/// Role: the `extraData` object.
pub const EXTRA_DATA: Symbol = Symbol("extra_data");
/// Role: the `timelineIFrame`.
pub const IFRAME: Symbol = Symbol("iframe");

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.0)
    }
}
