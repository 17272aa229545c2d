//! One module per command group.

pub mod connect;
pub mod contacts;
pub mod info;
pub mod pull;
pub mod sandbox;
