//! The sync engine: pull → normalize → match → plan (a pure function) → apply (journaled) → timeline.
//! The stages arrive with the engine's issue; the store's journal and timeline tables are ready.
