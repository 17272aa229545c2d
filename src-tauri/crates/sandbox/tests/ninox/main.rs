//! The Ninox fake over loopback HTTP: the classic v3 API and the Ninox 4 API, with requests
//! written from reference/target-apps.md and specs/ninox/ninox-public-openapi-original.json.

#[cfg(test)]
mod common;

#[cfg(test)]
mod classic;
#[cfg(test)]
mod four;
