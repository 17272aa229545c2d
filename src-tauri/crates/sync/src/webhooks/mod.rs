//! GHL webhooks as hints: a receiver that verifies each event's signature as GHL documents it,
//! refuses replays, stores the event before answering 200, and the hints the next sync takes
//! from the stored events (it reads the records they name from GHL's API; a payload is never
//! taken as data: it is incomplete, e.g. TaskCreate may lack contactId, ghl#332).
//!
//! Sources: ../shared/specs/ghl/WebhookAuthentication.md, ../shared/specs/ghl/webhook-events/,
//! reference/ghl-api.md ("Webhooks"), reference/sync-practices.md (5, 6).

pub mod event;
pub mod hints;
pub mod keys;
pub mod receiver;

pub use event::HintedEvent;
pub use keys::WebhookKeys;
pub use receiver::{listen, router, Receiver, MAX_AGE, PATH};
