//! The GHL fake, exercised over loopback HTTP with hand-written requests, as a client would.
//! (`cfg(test)` marks the helpers as test code for clippy's allow-unwrap-in-tests.)

#[cfg(test)]
mod common;

#[cfg(test)]
mod auth;
#[cfg(test)]
mod children;
#[cfg(test)]
mod contacts;
#[cfg(test)]
mod faults;
#[cfg(test)]
mod oauth;
#[cfg(test)]
mod rate_limit;
#[cfg(test)]
mod search;
#[cfg(test)]
mod seed;
