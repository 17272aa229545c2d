//! Sign-in and secrets. Every secret (token, client secret, API key) travels wrapped in
//! [`Sensitive`], so it cannot leak through a log line, a panic message or a serialized payload.

mod sensitive;

pub use sensitive::Sensitive;
