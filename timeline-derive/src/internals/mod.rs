//! The front end shared by both derives: attributes parsed into typed
//! settings, the checked shape of the input, and the rules across fields.

pub mod ast;
pub mod attr;
pub mod case;
pub mod check;
pub mod ctxt;
pub mod event_type;
pub mod name;
pub mod symbol;
pub mod template_check;
