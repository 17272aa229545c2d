//! The Novi AMS fake, exercised over loopback HTTP with hand-written requests built from the
//! Novi docs (reference/target-apps.md), as a client would send them.

#[cfg(test)]
mod common;

#[cfg(test)]
mod activities;
#[cfg(test)]
mod members;
#[cfg(test)]
mod service;
