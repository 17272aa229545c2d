//! Contact Bridge's shared vocabulary: the records we sync, the systems they live in,
//! the error codes every layer reports, and the clock business logic is given.

pub mod clock;
pub mod error;
pub mod hash;
pub mod json;
pub mod logging;
pub mod mapping;
pub mod model;
pub mod normalize;
pub mod paths;
pub mod settings;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{BridgeError, ErrorCode};
pub use model::{Appointment, Contact, Note, System, Task};
pub use settings::{AppSettings, Theme};

/// The app's version, shown by `bridge info` and on the Settings page.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What `bridge info` prints and the Settings page shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub database_path: String,
    pub schema_version: u32,
    pub log_directory: String,
}
