pub use timeline_core::*;
