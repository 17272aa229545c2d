//! The sync engine: pull → normalize → match → plan (a pure function) → apply (journaled) →
//! timeline. `pair` runs them for one GHL location and one app account ([`app::AppSide`]);
//! `service` is what the CLI and the desktop call.

pub mod app;
pub mod apply;
pub mod browse;
pub mod children;
pub mod connections;
pub mod contact_deletes;
pub mod deletes;
pub mod doctor;
pub mod events;
pub mod journal;
pub mod lease;
pub mod manage;
pub mod mapping_fields;
pub mod matching;
pub mod nifty;
pub mod pair;
pub mod pairs;
pub mod plan;
pub mod preview;
pub mod problems;
pub mod pull;
pub mod retention;
pub mod reviews;
pub mod rules;
pub mod service;
mod set_writes;
pub mod settings;
#[cfg(test)]
mod test_support;
pub mod timeline;
pub mod undo;
pub mod webhooks;
