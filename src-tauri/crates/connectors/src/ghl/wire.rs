//! GHL's JSON shapes, matching the schemas in the official specs (contacts.json, calendars.json,
//! locations.json under ../shared/specs/ghl).
//!
//! Writing: each body type carries exactly the properties of its spec DTO, and unset ones are
//! left out (`skip_serializing_if`), because GHL rejects unknown properties with 422
//! ("property X should not exist"). Reading: lenient — unknown fields are ignored, fields are
//! optional, `null` reads as absent, and times are kept as sent until conversion.

mod appointment;
mod contact;
mod custom_field;
mod note;
mod outcome;
mod search;
mod serde_helpers;
mod task;
mod time;

pub use appointment::{
    AppointmentEnvelope, AppointmentStatus, AppointmentUpdate, CalendarsEnvelope, EventsEnvelope,
    GhlAppointment, GhlCalendar, MeetingLocationType, NewAppointment,
};
pub(crate) use appointment::{CreateAppointmentBody, EmptyBody};
pub use contact::{
    ContactEnvelope, ContactFields, ContactListEnvelope, CustomFieldInput, CustomFieldRead,
    DndSetting, DndSettings, DndStatus, DuplicateEnvelope, GhlContact, InboundDndSetting,
    InboundDndSettings, InboundDndStatus, NewContact, UpdateContactEnvelope, UpsertContactEnvelope,
};
pub(crate) use contact::{CreateContactBody, UpsertContactBody};
pub use custom_field::{CustomFieldDefinition, CustomFieldsEnvelope};
pub use note::{GhlNote, NewNote, NoteEnvelope, NoteUpdate, NotesEnvelope};
pub use outcome::{DeleteOutcome, TagsBody, TagsEnvelope};
pub use search::{SearchContactsBody, SearchContactsEnvelope, SearchFilter, SearchSort};
pub use task::{
    GhlTask, NewTask, TaskCompletedBody, TaskEnvelope, TaskSearchBody, TaskUpdate, TasksEnvelope,
};
pub use time::RemoteTime;
