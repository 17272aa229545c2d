//! The Mappings page's preview and inline problems: a mapping applied to five real contacts
//! (what each line would write, before and after), and every problem tied to its line.

use std::collections::BTreeSet;

use bridge_core::mapping::{self, Direction, Flow, Mapping, MappingProblem};
use bridge_core::BridgeError;
use bridge_store::table::connections::ConnectionRow;
use bridge_store::table::contacts::{self, ContactRow};
use bridge_store::table::remote_records;
use bridge_store::Store;
use serde::Serialize;
use serde_json::Value;

use crate::pair::{ghl_contact_values, GHL_WRITABLE_FIELDS};

/// How many contacts the preview shows.
pub const PREVIEW_RECORDS: usize = 5;
/// How many contacts are scanned for ones linked to the app (their app values are known).
const SCAN: u32 = 200;
/// How many contacts a search looks through.
const SEARCH_SCAN: u32 = 5000;

/// What one line would write for one contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewCell {
    /// The line's position in the mapping.
    pub line: usize,
    /// `app` when the value travels GHL → app, `ghl` when app → GHL.
    pub target: String,
    pub field: String,
    /// The source side's value.
    pub source: Option<String>,
    /// The target's value now (unknown for an app record not linked yet).
    pub before: Option<String>,
    /// What the line would write.
    pub after: Option<String>,
    /// Why the line cannot carry this value (a transform refused it).
    pub error: Option<String>,
    /// What the write does to the target's value.
    pub change: CellChange,
}

/// What one line's write does to the value it lands on; clears and overwrites are the risk
/// the preview shows first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CellChange {
    /// The value stays as it is.
    Unchanged,
    /// An empty value gets one.
    Set,
    /// A value is replaced by another.
    Overwritten,
    /// A value is emptied.
    Cleared,
    /// The record is not in the app yet: the value arrives with the new record.
    New,
    /// The line cannot carry this value.
    Error,
}

impl CellChange {
    pub fn of(before: Option<&str>, after: Option<&str>, known_before: bool, error: bool) -> Self {
        let before = before.filter(|v| !v.trim().is_empty());
        let after = after.filter(|v| !v.trim().is_empty());
        match (error, known_before, before, after) {
            (true, ..) => Self::Error,
            (false, false, ..) => Self::New,
            (false, true, None, None) => Self::Unchanged,
            (false, true, None, Some(_)) => Self::Set,
            (false, true, Some(_), None) => Self::Cleared,
            (false, true, Some(b), Some(a)) if a == b => Self::Unchanged,
            (false, true, Some(_), Some(_)) => Self::Overwritten,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRecord {
    pub contact_id: String,
    pub name: String,
    /// Whether the contact is linked to a record of the app.
    pub linked: bool,
    pub cells: Vec<PreviewCell>,
}

/// A value as the operator reads it: text as is, other JSON as JSON, null as nothing.
pub fn display(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn name(row: &ContactRow) -> String {
    let c = &row.contact;
    let full = [c.first_name.as_deref(), c.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if full.trim().is_empty() {
        c.email.clone().unwrap_or_else(|| row.id.clone())
    } else {
        full
    }
}

/// Whether a contact's name or email holds `search` (ignoring case); no search holds all.
fn matches(row: &ContactRow, search: Option<&str>) -> bool {
    let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return true;
    };
    let search = search.to_lowercase();
    name(row).to_lowercase().contains(&search)
        || row
            .contact
            .email
            .as_deref()
            .is_some_and(|e| e.to_lowercase().contains(&search))
}

/// The mapping applied to up to five contacts of the GHL connection whose name or email
/// holds `search` (all when `None`), linked ones first.
pub fn preview(
    store: &Store,
    ghl_connection_id: &str,
    app: &ConnectionRow,
    mapping: &Mapping,
    search: Option<&str>,
) -> Result<Vec<PreviewRecord>, BridgeError> {
    // Shown as a sync would write it: with the tag groups rule's table, when it is on.
    let mut mapping = mapping.clone();
    crate::rules::with_tag_groups_where_mapped(store, app, &mut mapping)?;
    let mut linked = Vec::new();
    let mut unlinked = Vec::new();
    let scan = if search.is_some() { SEARCH_SCAN } else { SCAN };
    for row in contacts::page(store.conn(), ghl_connection_id, 0, scan)?
        .into_iter()
        .filter(|row| matches(row, search))
    {
        match remote_records::for_contact(store.conn(), &app.id, "contact", &row.id)? {
            Some(record) if linked.len() < PREVIEW_RECORDS => linked.push((row, Some(record))),
            None if unlinked.len() < PREVIEW_RECORDS => unlinked.push((row, None)),
            _ => {}
        }
        if linked.len() >= PREVIEW_RECORDS {
            break;
        }
    }
    linked.extend(unlinked);
    linked.truncate(PREVIEW_RECORDS);
    Ok(linked
        .into_iter()
        .map(|(row, record)| {
            let ghl_values = ghl_contact_values(&row.contact);
            let app_values = record.as_ref().map(|r| &r.values);
            let cells = mapping
                .fields
                .iter()
                .enumerate()
                .map(|(index, line)| {
                    let ghl_value = ghl_values.get(&line.ghl).cloned().unwrap_or(Value::Null);
                    let app_value = app_values.and_then(|v| v.get(&line.app)).cloned();
                    let (target, field, flow, source, before) =
                        if line.direction == Direction::AppToGhl {
                            let source = app_value.clone().unwrap_or(Value::Null);
                            ("ghl", &line.ghl, Flow::AppToGhl, source, Some(ghl_value))
                        } else {
                            ("app", &line.app, Flow::GhlToApp, ghl_value, app_value)
                        };
                    let (after, error) = match mapping::apply(&line.transforms, &source, flow) {
                        Ok(value) => (display(&value), None),
                        Err(message) => (
                            None,
                            Some(format!("{} ({}): {message}", name(&row), line.ghl)),
                        ),
                    };
                    let shown_before = before.as_ref().and_then(display);
                    let change = CellChange::of(
                        shown_before.as_deref(),
                        after.as_deref(),
                        before.is_some(),
                        error.is_some(),
                    );
                    PreviewCell {
                        line: index,
                        target: target.into(),
                        field: field.clone(),
                        source: display(&source),
                        before: shown_before,
                        after,
                        error,
                        change,
                    }
                })
                .collect();
            PreviewRecord {
                contact_id: row.id.clone(),
                name: name(&row),
                linked: record.is_some(),
                cells,
            }
        })
        .collect())
}

/// The one-click repair of a problem, where one exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LineFix {
    /// Make the line one-way, GHL → app (GHL's side cannot be written).
    OneWayGhlToApp,
    /// Remove the line (a field it names does not exist on its side).
    RemoveLine,
}

/// What repairs `problem` in one step, if anything does.
pub fn fix_for(
    problem: &MappingProblem,
    mapping: &Mapping,
    ghl_fields: &BTreeSet<String>,
    app_fields: &BTreeSet<String>,
) -> Option<LineFix> {
    let line = mapping.fields.get(problem.line)?;
    if line.direction != Direction::GhlToApp
        && ghl_fields.contains(&line.ghl)
        && !GHL_WRITABLE_FIELDS.contains(&line.ghl.as_str())
        && problem.field == line.ghl
    {
        return Some(LineFix::OneWayGhlToApp);
    }
    let missing = (problem.field == line.ghl && !ghl_fields.contains(&line.ghl))
        || (problem.field == line.app && !app_fields.contains(&line.app));
    missing.then_some(LineFix::RemoveLine)
}

/// Every problem of the mapping, each tied to its line and field, for inline display:
/// the core's validation plus the GHL fields the sync cannot write yet.
pub fn problems(
    mapping: &Mapping,
    ghl_fields: &BTreeSet<String>,
    app_fields: &BTreeSet<String>,
) -> Vec<MappingProblem> {
    let mut problems = mapping.validate(ghl_fields, app_fields);
    for (line, field) in mapping.fields.iter().enumerate() {
        if field.direction != Direction::GhlToApp
            && !GHL_WRITABLE_FIELDS.contains(&field.ghl.as_str())
        {
            problems.push(MappingProblem {
                line,
                field: field.ghl.clone(),
                message: format!(
                    "line {} ({} → {}): Contact Bridge cannot write GHL's {} yet; make the line one-way, GHL → app",
                    line + 1,
                    field.ghl,
                    field.app,
                    field.ghl
                ),
            });
        }
    }
    problems.sort_by_key(|p| p.line);
    problems
}

#[cfg(test)]
mod tests {
    use bridge_core::mapping::{FieldMapping, ObjectKind, Owner, Transform};

    use super::*;

    fn line(ghl: &str, app: &str, direction: Direction, owner: Owner) -> FieldMapping {
        FieldMapping {
            ghl: ghl.into(),
            app: app.into(),
            direction,
            owner,
            transforms: vec![],
        }
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn problems_name_their_line_including_unwritable_ghl_fields() {
        let mapping = Mapping {
            object: ObjectKind::Contact,
            fields: vec![
                line("email", "Email", Direction::Both, Owner::Ghl),
                line(
                    "customFields.contact.level",
                    "Level",
                    Direction::Both,
                    Owner::Newest,
                ),
                line("phone", "Nope", Direction::GhlToApp, Owner::Ghl),
            ],
        };
        let found = problems(
            &mapping,
            &set(&["email", "phone", "customFields.contact.level"]),
            &set(&["Email", "Level"]),
        );
        let lines: Vec<usize> = found.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 2], "{found:?}");
        assert!(found[0]
            .message
            .contains("cannot write GHL's customFields.contact.level"));
        assert!(found[1].message.contains("the app has no field 'Nope'"));
    }

    #[test]
    fn problems_with_a_one_step_repair_offer_it() {
        let mapping = Mapping {
            object: ObjectKind::Contact,
            fields: vec![
                line(
                    "customFields.contact.level",
                    "Level",
                    Direction::Both,
                    Owner::Newest,
                ),
                line("phone", "Nope", Direction::GhlToApp, Owner::Ghl),
            ],
        };
        let ghl = set(&["phone", "customFields.contact.level"]);
        let app = set(&["Level"]);
        let fixes: Vec<Option<LineFix>> = problems(&mapping, &ghl, &app)
            .iter()
            .map(|p| fix_for(p, &mapping, &ghl, &app))
            .collect();
        assert_eq!(
            fixes,
            [Some(LineFix::OneWayGhlToApp), Some(LineFix::RemoveLine)]
        );
    }

    #[test]
    fn a_cell_says_whether_it_clears_overwrites_or_keeps_a_value() {
        use CellChange::*;
        assert_eq!(CellChange::of(Some("a"), None, true, false), Cleared);
        assert_eq!(CellChange::of(Some("a"), Some(" "), true, false), Cleared);
        assert_eq!(
            CellChange::of(Some("a"), Some("b"), true, false),
            Overwritten
        );
        assert_eq!(CellChange::of(Some("a"), Some("a"), true, false), Unchanged);
        assert_eq!(CellChange::of(None, Some("a"), true, false), Set);
        assert_eq!(CellChange::of(None, None, true, false), Unchanged);
        assert_eq!(CellChange::of(None, Some("a"), false, false), New);
        assert_eq!(CellChange::of(Some("a"), None, true, true), Error);
    }

    #[test]
    fn display_shows_text_plainly_and_other_json_as_json() {
        assert_eq!(display(&Value::String("Ada".into())), Some("Ada".into()));
        assert_eq!(display(&Value::Null), None);
        assert_eq!(
            display(&serde_json::json!(["a", "b"])),
            Some("[\"a\",\"b\"]".into())
        );
        let upper = mapping::apply(
            &[Transform::Upper],
            &Value::String("ada".into()),
            Flow::GhlToApp,
        )
        .unwrap();
        assert_eq!(display(&upper), Some("ADA".into()));
    }
}
