//! The sync engine: pull → normalize → match → plan (a pure function) → apply (journaled) →
//! timeline. Pull has landed; the later stages arrive with the engine's issue.

pub mod connections;
pub mod pull;
pub mod timeline;
