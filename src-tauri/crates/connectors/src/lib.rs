//! Clients of the remote apps. Each app implements only the capabilities its API really has
//! (see the capability matrix in the README). `http` is the plumbing they share; `ghl` is the
//! hub's client.

pub mod connectif;
pub mod ghl;
pub mod http;
pub mod nifty;
pub mod niftyimages;
pub mod ninox;
pub mod novi;
