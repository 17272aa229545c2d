//! The three-way merge of one linked task or note, field by field: title, body, due and
//! completed each have their own base (the value both sides last agreed on, kept in the child
//! link's `base`). A field only one side changed takes that side's value; a field both changed
//! takes GHL's (the hub); so a task completed in the app while GHL renamed it ends renamed and
//! completed on both sides. Appointments go one way: the app's copy follows GHL's fields.

use serde_json::{Map, Value};

use super::{ChildKind, ChildValues};

/// The key, in a task link's base, of the due date GHL was given for a task without one (its
/// API requires one on create): while GHL's due date is that one, the task has none.
pub(crate) const INVENTED_DUE: &str = "ghlInventedDue";

const TASK_FIELDS: &[&str] = &["title", "body", "due", "completed"];
/// A note is its body: each app derives a title of its own.
const NOTE_FIELDS: &[&str] = &["body"];
const APPOINTMENT_FIELDS: &[&str] = &["title", "body", "due", "end", "status"];

/// The fields a kind's merge compares.
pub(super) fn fields(kind: ChildKind) -> &'static [&'static str] {
    match kind {
        ChildKind::Task => TASK_FIELDS,
        ChildKind::Note => NOTE_FIELDS,
        ChildKind::Appointment => APPOINTMENT_FIELDS,
    }
}

fn text(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::String)
}

/// One field's value, as the base keeps it.
pub(super) fn field(values: &ChildValues, name: &str) -> Value {
    match name {
        "title" => Value::String(values.title.clone()),
        "body" => Value::String(values.body.clone()),
        "due" => text(&values.due),
        "completed" => Value::Bool(values.completed),
        "end" => text(&values.end),
        "status" => text(&values.status),
        _ => Value::Null,
    }
}

fn take_field(values: &mut ChildValues, name: &str, from: &ChildValues) {
    match name {
        "title" => values.title = from.title.clone(),
        "body" => values.body = from.body.clone(),
        "due" => values.due = from.due.clone(),
        "completed" => values.completed = from.completed,
        "end" => values.end = from.end.clone(),
        "status" => values.status = from.status.clone(),
        _ => {}
    }
}

/// `names` of `values`, as a base.
pub(super) fn base_of<'n>(
    values: &ChildValues,
    names: impl IntoIterator<Item = &'n str>,
) -> Map<String, Value> {
    names
        .into_iter()
        .map(|name| (name.to_string(), field(values, name)))
        .collect()
}

/// Whether two versions agree on every field the kind compares.
pub(super) fn agree(kind: ChildKind, a: &ChildValues, b: &ChildValues) -> bool {
    fields(kind)
        .iter()
        .all(|name| field(a, name) == field(b, name))
}

/// What the merge decided, field by field.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FieldMerge {
    pub merged: ChildValues,
    /// Fields only GHL changed.
    pub from_ghl: Vec<&'static str>,
    /// Fields only the app changed.
    pub from_app: Vec<&'static str>,
    /// Fields both changed differently: GHL's value kept.
    pub both: Vec<&'static str>,
}

impl FieldMerge {
    pub fn agreed(&self) -> bool {
        self.from_ghl.is_empty() && self.from_app.is_empty() && self.both.is_empty()
    }
}

/// Merges GHL's and the app's version of one record over `base`. A field without a base
/// (never agreed) that differs counts as changed on both sides.
pub(super) fn merge(
    kind: ChildKind,
    ghl: &ChildValues,
    app: &ChildValues,
    base: &Map<String, Value>,
) -> FieldMerge {
    let mut result = FieldMerge {
        merged: ghl.clone(),
        from_ghl: Vec::new(),
        from_app: Vec::new(),
        both: Vec::new(),
    };
    for &name in fields(kind) {
        let (g, a) = (field(ghl, name), field(app, name));
        if g == a {
            continue;
        }
        match base.get(name) {
            Some(b) if *b == g => {
                take_field(&mut result.merged, name, app);
                result.from_app.push(name);
            }
            Some(b) if *b == a => result.from_ghl.push(name),
            _ => result.both.push(name),
        }
    }
    result
}

/// The base of a link settled before bases were kept per field: the whole record's hash
/// names the side that still held it.
pub(super) fn base_from_hash(
    kind: ChildKind,
    hash: Option<&str>,
    ghl: &ChildValues,
    app: &ChildValues,
) -> Map<String, Value> {
    match hash {
        Some(h) if h == ghl.hash(kind) => base_of(ghl, fields(kind).iter().copied()),
        Some(h) if h == app.hash(kind) => base_of(app, fields(kind).iter().copied()),
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(title: &str, completed: bool) -> ChildValues {
        ChildValues {
            title: title.into(),
            body: String::new(),
            due: Some("2026-12-02T09:00:00Z".into()),
            completed,
            end: None,
            status: None,
        }
    }

    #[test]
    fn a_rename_on_one_side_and_a_completion_on_the_other_are_both_kept() {
        let base = base_of(&task("Call", false), TASK_FIELDS.iter().copied());
        let m = merge(
            ChildKind::Task,
            &task("Call back", false),
            &task("Call", true),
            &base,
        );
        assert_eq!(m.merged, task("Call back", true));
        assert_eq!(m.from_ghl, vec!["title"]);
        assert_eq!(m.from_app, vec!["completed"]);
        assert!(m.both.is_empty());
    }

    #[test]
    fn a_field_both_sides_changed_keeps_ghls_value() {
        let base = base_of(&task("Call", false), TASK_FIELDS.iter().copied());
        let m = merge(
            ChildKind::Task,
            &task("Call GHL", false),
            &task("Call app", true),
            &base,
        );
        assert_eq!(m.merged, task("Call GHL", true));
        assert_eq!(m.both, vec!["title"]);
    }

    #[test]
    fn a_note_is_merged_by_its_body_only() {
        let mut ghl = task("GHL's title", false);
        ghl.body = "same".into();
        let mut app = task("Novi's title", true);
        app.body = "same".into();
        assert!(merge(ChildKind::Note, &ghl, &app, &Map::new()).agreed());
    }

    #[test]
    fn an_old_whole_record_base_names_the_side_that_still_holds_it() {
        let (ghl, app) = (task("Call", false), task("Call", true));
        let base = base_from_hash(
            ChildKind::Task,
            Some(&ghl.hash(ChildKind::Task)),
            &ghl,
            &app,
        );
        let m = merge(ChildKind::Task, &ghl, &app, &base);
        assert_eq!(m.from_app, vec!["completed"]);
        assert!(base_from_hash(ChildKind::Task, Some("other"), &ghl, &app).is_empty());
    }
}
