//! `connections`: one account of one app. Holds a keychain reference, never a secret.

use std::str::FromStr;

use bridge_core::{BridgeError, ErrorCode, System};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::{column_value, json_column, storage_error, timestamp, Cached};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    Oauth,
    PrivateToken,
    ApiKey,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Oauth => "oauth",
            AuthKind::PrivateToken => "private_token",
            AuthKind::ApiKey => "api_key",
        }
    }

    fn parse(s: &str) -> Result<Self, BridgeError> {
        match s {
            "oauth" => Ok(AuthKind::Oauth),
            "private_token" => Ok(AuthKind::PrivateToken),
            "api_key" => Ok(AuthKind::ApiKey),
            other => Err(BridgeError::storage(format!(
                "connections.auth_kind holds unknown value '{other}'"
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionRow {
    pub id: String,
    pub system: System,
    pub name: String,
    pub base_url: String,
    pub auth_kind: AuthKind,
    pub account_id: String,
    pub secret_ref: String,
    pub settings: serde_json::Value,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct NewConnection {
    pub system: System,
    pub name: String,
    pub base_url: String,
    pub auth_kind: AuthKind,
    pub account_id: String,
    pub secret_ref: String,
    pub settings: serde_json::Value,
}

const COLUMNS: &str = "id, system, name, base_url, auth_kind, account_id, secret_ref, settings, status, created_at, updated_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<ConnectionRow> {
    Ok(ConnectionRow {
        id: row.get(0)?,
        system: column_value(1, System::from_str(&row.get::<_, String>(1)?))?,
        name: row.get(2)?,
        base_url: row.get(3)?,
        auth_kind: column_value(4, AuthKind::parse(&row.get::<_, String>(4)?))?,
        account_id: row.get(5)?,
        secret_ref: row.get(6)?,
        settings: json_column(row, 7)?,
        status: row.get(8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
    })
}

/// Adds a connection; its id is derived from the app and the unique name.
pub fn insert(
    conn: &Connection,
    new: &NewConnection,
    now: DateTime<Utc>,
) -> Result<ConnectionRow, BridgeError> {
    if new.name.trim().is_empty() {
        return Err(BridgeError::invalid_input(
            "connection name: must not be empty",
        ));
    }
    let id = format!("{}:{}", new.system.as_str(), new.name);
    let now = timestamp(now);
    conn.execute_cached(
        "INSERT INTO connections (id, system, name, base_url, auth_kind, account_id, secret_ref, settings, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            id,
            new.system.as_str(),
            new.name,
            new.base_url,
            new.auth_kind.as_str(),
            new.account_id,
            new.secret_ref,
            new.settings.to_string(),
            now,
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            BridgeError::new(
                ErrorCode::Conflict,
                format!("connection name '{}': another connection already uses it", new.name),
            )
        }
        other => storage_error(other),
    })?;
    get(conn, &id)?.ok_or_else(|| BridgeError::internal("connection vanished after insert"))
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<ConnectionRow>, BridgeError> {
    conn.query_row_cached(
        &format!("SELECT {COLUMNS} FROM connections WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
    .map_err(storage_error)
}

pub fn list(conn: &Connection) -> Result<Vec<ConnectionRow>, BridgeError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM connections ORDER BY system, name"
        ))
        .map_err(storage_error)?;
    let rows = stmt.query_map([], from_row).map_err(storage_error)?;
    rows.collect::<Result<_, _>>().map_err(storage_error)
}

/// Sets one key of a connection's settings (e.g. NiftyImages' `recordTtlSeconds`).
pub fn set_setting(
    conn: &Connection,
    id: &str,
    key: &str,
    value: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let mut row = get(conn, id)?.ok_or_else(|| {
        BridgeError::new(
            ErrorCode::NotFound,
            format!("connection '{id}' does not exist"),
        )
    })?;
    if !row.settings.is_object() {
        row.settings = serde_json::json!({});
    }
    row.settings[key] = value;
    conn.execute_cached(
        "UPDATE connections SET settings = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, row.settings.to_string(), timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

pub fn set_status(
    conn: &Connection,
    id: &str,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let changed = conn
        .execute(
            "UPDATE connections SET status = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, status, timestamp(now)],
        )
        .map_err(storage_error)?;
    if changed == 0 {
        return Err(BridgeError::new(
            ErrorCode::NotFound,
            format!("connection '{id}' does not exist"),
        ));
    }
    Ok(())
}

/// Gives a connection another name; its id (and with it every mapping, link and journal row
/// keyed by it) stays.
pub fn rename(
    conn: &Connection,
    id: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(BridgeError::invalid_input(
            "connection name: must not be empty",
        ));
    }
    let changed = conn
        .execute(
            "UPDATE connections SET name = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, name, timestamp(now)],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                BridgeError::new(
                    ErrorCode::Conflict,
                    format!("connection name '{name}': another connection already uses it"),
                )
            }
            other => storage_error(other),
        })?;
    if changed == 0 {
        return Err(BridgeError::new(
            ErrorCode::NotFound,
            format!("connection '{id}' does not exist"),
        ));
    }
    Ok(())
}

/// Replaces what a new sign-in changes (address, settings) and marks the connection connected.
pub fn reconnected(
    conn: &Connection,
    id: &str,
    settings: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), BridgeError> {
    conn.execute_cached(
        "UPDATE connections SET settings = ?2, status = 'connected', updated_at = ?3 WHERE id = ?1",
        params![id, settings.to_string(), timestamp(now)],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// What a connection holds: its mappings, its links, and (a GHL location) its contacts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub mappings: u64,
    pub links: u64,
    pub contacts: u64,
}

pub fn usage(conn: &Connection, id: &str) -> Result<Usage, BridgeError> {
    let count = |sql: &str| -> Result<u64, BridgeError> {
        conn.query_row_cached(sql, [id], |row| row.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(storage_error)
    };
    Ok(Usage {
        mappings: count("SELECT COUNT(*) FROM mappings WHERE connection_id = ?1")?,
        links: count("SELECT COUNT(*) FROM links WHERE connection_id = ?1")?,
        contacts: count("SELECT COUNT(*) FROM contacts WHERE ghl_connection_id = ?1")?,
    })
}

/// Removes a connection and, through the schema's cascades, everything keyed by it (mappings,
/// links, mirrors, cursors, journal rows, conflicts, reviews; a GHL location's contacts).
pub fn delete(conn: &Connection, id: &str) -> Result<(), BridgeError> {
    let removed = conn
        .execute("DELETE FROM connections WHERE id = ?1", [id])
        .map_err(storage_error)?;
    if removed == 0 {
        return Err(BridgeError::new(
            ErrorCode::NotFound,
            format!("connection '{id}' does not exist"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::test_support::{at, ghl_connection};
    use crate::Store;

    #[test]
    fn insert_get_list_and_status() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main location");
        let row = get(store.conn(), &id).unwrap().unwrap();
        assert_eq!(row.system, System::Ghl);
        assert_eq!(row.auth_kind, AuthKind::PrivateToken);
        assert_eq!(row.status, "connected");
        set_status(store.conn(), &id, "reconnect_required", at(2)).unwrap();
        let listed = list(store.conn()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].status, "reconnect_required");
    }

    #[test]
    fn duplicate_name_is_a_conflict_naming_it() {
        let store = Store::open_in_memory().unwrap();
        ghl_connection(store.conn(), "Main");
        let err = insert(
            store.conn(),
            &NewConnection {
                system: System::Ghl,
                name: "Main".into(),
                base_url: "http://x".into(),
                auth_kind: AuthKind::Oauth,
                account_id: "loc".into(),
                secret_ref: "ref".into(),
                settings: serde_json::json!({}),
            },
            at(1),
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::Conflict);
        assert!(err.message.contains("Main"));
    }

    #[test]
    fn unknown_status_is_refused_by_the_schema() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        assert!(set_status(store.conn(), &id, "sleeping", at(2)).is_err());
        assert_eq!(
            set_status(store.conn(), "ghl:nope", "connected", at(2))
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );
    }

    #[test]
    fn rename_keeps_the_id_and_refuses_a_taken_or_empty_name() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        ghl_connection(store.conn(), "Other");
        rename(store.conn(), &id, "  Downtown  ", at(2)).unwrap();
        let row = get(store.conn(), &id).unwrap().unwrap();
        assert_eq!(
            (row.id.as_str(), row.name.as_str()),
            (id.as_str(), "Downtown")
        );
        assert_eq!(
            rename(store.conn(), &id, "Other", at(3)).unwrap_err().code,
            ErrorCode::Conflict
        );
        assert_eq!(
            rename(store.conn(), &id, " ", at(3)).unwrap_err().code,
            ErrorCode::InvalidInput
        );
        assert_eq!(
            rename(store.conn(), "ghl:nope", "X", at(3))
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );
    }

    #[test]
    fn delete_removes_the_row_and_what_it_holds() {
        let store = Store::open_in_memory().unwrap();
        let id = ghl_connection(store.conn(), "Main");
        store
            .conn()
            .execute(
                "INSERT INTO contacts (id, ghl_connection_id, content_hash, created_at, updated_at) VALUES ('c1', ?1, 'h', 'x', 'x')",
                [&id],
            )
            .unwrap();
        assert_eq!(usage(store.conn(), &id).unwrap().contacts, 1);
        delete(store.conn(), &id).unwrap();
        assert!(get(store.conn(), &id).unwrap().is_none());
        assert_eq!(usage(store.conn(), &id).unwrap(), Usage::default());
        assert_eq!(
            delete(store.conn(), &id).unwrap_err().code,
            ErrorCode::NotFound
        );
    }
}
