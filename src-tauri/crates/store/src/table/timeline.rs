//! `timeline_events`: everything that happened to one contact, in every app, with an FTS5
//! index over titles and bodies.

use bridge_core::BridgeError;
use rusqlite::{params, Connection, Row};
use serde::Serialize;

use crate::{storage_error, Cached};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEvent {
    pub contact_id: String,
    pub system: String,
    /// task, note, appointment, tag, field, or contact (a contact's delete carried).
    pub kind: String,
    pub occurred_at: String,
    pub title: String,
    pub body: String,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub subject_ref: Option<String>,
    pub run_id: Option<String>,
}

const COLUMNS: &str = "contact_id, system, kind, occurred_at, title, body, before_value, after_value, subject_ref, run_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<TimelineEvent> {
    Ok(TimelineEvent {
        contact_id: row.get(0)?,
        system: row.get(1)?,
        kind: row.get(2)?,
        occurred_at: row.get(3)?,
        title: row.get(4)?,
        body: row.get(5)?,
        before_value: row.get(6)?,
        after_value: row.get(7)?,
        subject_ref: row.get(8)?,
        run_id: row.get(9)?,
    })
}

pub fn append(conn: &Connection, event: &TimelineEvent) -> Result<(), BridgeError> {
    conn.execute_cached(
        &format!(
            "INSERT INTO timeline_events ({COLUMNS}, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
        ),
        params![
            event.contact_id,
            event.system,
            event.kind,
            event.occurred_at,
            event.title,
            event.body,
            event.before_value,
            event.after_value,
            event.subject_ref,
            event.run_id,
        ],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// A contact's events in time order.
pub fn for_contact(conn: &Connection, contact_id: &str) -> Result<Vec<TimelineEvent>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM timeline_events WHERE contact_id = ?1 ORDER BY occurred_at, id"
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([contact_id], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Deletes the events recorded before `before` (a [`crate::timestamp`]), whenever they
/// happened; their search entries go with them (trigger). Answers how many went.
pub fn prune_recorded_before(conn: &Connection, before: &str) -> Result<usize, BridgeError> {
    conn.execute_cached(
        "DELETE FROM timeline_events WHERE recorded_at < ?1",
        [before],
    )
    .map_err(storage_error)
}

/// Full-text search over titles and bodies; `query` is matched as plain words, never as FTS syntax.
pub fn search(
    conn: &Connection,
    query: &str,
    limit: u32,
) -> Result<Vec<TimelineEvent>, BridgeError> {
    let words: Vec<String> = query
        .split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {} FROM timeline_fts JOIN timeline_events e ON e.id = timeline_fts.rowid
             WHERE timeline_fts MATCH ?1 ORDER BY rank LIMIT ?2",
            COLUMNS
                .split(", ")
                .map(|c| format!("e.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .map_err(storage_error)?;
    let rows = stmt
        .query_map(params![words.join(" "), limit], from_row)
        .map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection, ghl_contact};
    use crate::{timestamp, Store};

    fn event(contact_id: &str, hour: u32, kind: &str, title: &str, body: &str) -> TimelineEvent {
        TimelineEvent {
            contact_id: contact_id.into(),
            system: "ghl".into(),
            kind: kind.into(),
            occurred_at: timestamp(at(hour)),
            title: title.into(),
            body: body.into(),
            before_value: None,
            after_value: None,
            subject_ref: None,
            run_id: None,
        }
    }

    #[test]
    fn events_come_back_in_time_order_and_are_searchable() {
        let store = Store::open_in_memory().unwrap();
        let conn_id = ghl_connection(store.conn(), "Main");
        let id = ghl_contact(store.conn(), &conn_id, "g1");

        append(
            store.conn(),
            &event(&id, 9, "note", "Note added", "Called about the renewal"),
        )
        .unwrap();
        append(
            store.conn(),
            &event(&id, 3, "task", "Send welcome pack", ""),
        )
        .unwrap();
        let titles: Vec<_> = for_contact(store.conn(), &id)
            .unwrap()
            .into_iter()
            .map(|e| e.title)
            .collect();
        assert_eq!(titles, ["Send welcome pack", "Note added"]);

        let hits = search(store.conn(), "renewal", 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].kind, "note");
        // FTS syntax in the query is taken literally, not as an operator.
        assert!(search(store.conn(), "\"renewal OR", 10).unwrap().is_empty());
        assert!(search(store.conn(), "   ", 10).unwrap().is_empty());
    }
}
