//! The GHL ↔ Nifty pair, through the one pair pipeline ([`crate::pair::Pair`] with
//! [`NiftySide`]). Nifty holds no contacts, so the pair syncs the children of GHL contacts
//! with the tasks of one Nifty project the operator picked:
//!
//! - **Tasks, both ways** through the children engine ([`crate::children`]): a GHL contact
//!   task ↔ a Nifty task in the project, title, description, due date and completion
//!   (Nifty's complete/uncomplete endpoints). New Nifty tasks go to the chosen task group.
//! - **Which contact**: the task's description ends with `Contact: <email>` ([`marker`]), the
//!   form the operators' follow-up tasks already use; the sync writes it into the tasks it
//!   creates. A task whose email no single GHL contact holds is counted "not in GHL"
//!   ([`crate::children::Parents::Emails`]).
//! - **Labels ↔ tags**, both ways, per contact and per element ([`labels`], the side's
//!   [`crate::app::TagSets`]).
//! - **Notes, GHL → Nifty only**: each GHL note becomes one comment (message) on the
//!   contact's "Notes — <email>" task, created with the first note. Comments are not edited
//!   afterwards, and Nifty comments do not come back as GHL notes.
//! - **Change detection**: Nifty tasks have no updated_at, so every sync scans the whole
//!   project (one request per 1000 tasks) and compares content hashes with the last scan.
//!   Deletes are not carried (as for every pair's tasks).

mod connect;
mod labels;
mod marker;
mod side;
mod tasks;

pub use connect::{
    connect_nifty_oauth, nifty_client, nifty_redirect_url, nifty_tasks, NiftyOauthConnect,
    NIFTY_REDIRECT_PORT, NIFTY_SYNC_SCOPES,
};
pub(crate) use connect::{nifty_oauth, setting as nifty_setting};
pub(crate) use labels::merge as merge_sets;
pub use labels::LabelReport;
pub use side::NiftySide;
pub use tasks::{NiftyPlace, NiftyTasks};
