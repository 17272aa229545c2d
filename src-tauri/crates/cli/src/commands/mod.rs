//! One module per command group.

pub mod connect;
pub mod contacts;
pub mod deletes;
pub mod doctor;
pub mod info;
pub mod mapping;
pub mod pair;
pub mod problems;
pub mod pull;
pub mod rules;
pub mod sandbox;
pub mod sync;
pub mod webhooks;
