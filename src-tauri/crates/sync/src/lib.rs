//! The sync engine: pull → normalize → match → plan (a pure function) → apply (journaled) →
//! timeline. Pull and the pure plan have landed; match and apply arrive with the engine's issue.

pub mod apply;
pub mod connections;
pub mod matching;
pub mod pair;
pub mod plan;
pub mod pull;
pub mod timeline;
