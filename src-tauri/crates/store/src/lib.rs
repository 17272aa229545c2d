//! The local SQLite database: every sync state Contact Bridge keeps lives here.
//! WAL, foreign keys and a busy timeout on every connection; the schema evolves only
//! through the numbered files in `migrations/`.

mod migrations;
pub mod table;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bridge_core::BridgeError;

pub use migrations::SCHEMA_VERSION;
use rusqlite::TransactionBehavior;
pub use rusqlite::{Connection, Transaction};

/// How long a writer waits for another process's write transaction (the CLI beside the
/// window) to end. Syncs take turns through the lease; this covers the rest (a connection
/// saved or checked during a sync's longest transaction on a loaded machine).
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// Statements kept prepared per connection (see `Store::prepare`).
const STATEMENT_CACHE: usize = 128;

/// `execute` and `query_row` through the connection's statement cache: the tables' statements
/// run once per record of a sync, and SQLite parsing each again cost more than running it.
pub(crate) trait Cached {
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    fn query_row_cached<T, P: rusqlite::Params, F>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>
    where
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P: rusqlite::Params, F>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>
    where
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// An open, migrated database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, BridgeError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                BridgeError::storage(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        let conn = Connection::open(path).map_err(|e| {
            BridgeError::storage(format!("cannot open the database {}: {e}", path.display()))
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(storage_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(storage_error)?;
        Self::prepare(conn, Some(path.to_path_buf()))
    }

    /// A private database for tests: same schema, nothing on disk.
    pub fn open_in_memory() -> Result<Self, BridgeError> {
        let conn = Connection::open_in_memory().map_err(storage_error)?;
        Self::prepare(conn, None)
    }

    fn prepare(mut conn: Connection, path: Option<PathBuf>) -> Result<Self, BridgeError> {
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(storage_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(storage_error)?;
        // Every table's statements go through the cache (`Cached`): a sync runs the same few
        // dozen per record, and preparing each anew was a tenth of a sync's CPU (issue #13's
        // profile). Room for all of one sync's statements, so the pull's are not pushed out
        // by the plan's.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // A transaction that writes takes the write lock when it begins, waiting (busy
        // timeout) for another process's; a deferred one would fail with SQLITE_BUSY at its
        // first write instead, halfway through.
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        migrations::apply(&mut conn)?;
        Ok(Self { conn, path })
    }

    /// The file behind this store (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version the database is at (the number of migrations applied).
    pub fn schema_version(&self) -> Result<u32, BridgeError> {
        migrations::current_version(&self.conn)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `work` in one transaction: committed when it returns Ok, rolled back otherwise.
    pub fn with_tx<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, BridgeError>,
    ) -> Result<T, BridgeError> {
        let tx = self.conn.transaction().map_err(storage_error)?;
        let value = work(&tx)?;
        tx.commit().map_err(storage_error)?;
        Ok(value)
    }
}

/// Maps a SQLite failure to the `storage` error code, keeping SQLite's own text.
pub(crate) fn storage_error(e: rusqlite::Error) -> BridgeError {
    BridgeError::storage(format!("database error: {e}"))
}

/// Turns a parse failure of column `index` into a rusqlite error, so a bad stored value
/// surfaces as a clear storage error rather than a panic.
pub(crate) fn column_value<T>(index: usize, value: Result<T, BridgeError>) -> rusqlite::Result<T> {
    value.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Reads a column that holds JSON text.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    row: &rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    column_value(
        index,
        serde_json::from_str(&text)
            .map_err(|e| BridgeError::storage(format!("column {index} is not valid JSON: {e}"))),
    )
}

/// An instant as the database stores it (every `*_at` column, cursors): RFC 3339 UTC with
/// milliseconds, so text order is time order. Callers outside the store use this too.
pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The facts `bridge info` and the Settings page show about this installation.
pub fn app_info(store: &Store, log_dir: &Path) -> Result<bridge_core::AppInfo, BridgeError> {
    Ok(bridge_core::AppInfo {
        version: bridge_core::VERSION.to_string(),
        database_path: store
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| ":memory:".into()),
        schema_version: store.schema_version()?,
        log_directory: log_dir.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_store_is_fully_migrated() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let fk: i64 = store
            .conn()
            .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn file_store_uses_wal_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("bridge.sqlite3");
        {
            let store = Store::open(&path).unwrap();
            let mode: String = store
                .conn()
                .query_row("PRAGMA journal_mode", [], |row| row.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
        }
        let reopened = Store::open(&path).unwrap();
        assert_eq!(reopened.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(reopened.path(), Some(path.as_path()));
    }

    #[test]
    fn a_transaction_takes_the_write_lock_when_it_begins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bridge.sqlite3");
        let mut store = Store::open(&path).unwrap();
        let other = Connection::open(&path).unwrap();
        other.busy_timeout(Duration::ZERO).unwrap();
        let write = "INSERT INTO sync_runs (id, trigger, status, started_at) VALUES ('r2', 'cli', 'planning', 'now')";
        store
            .with_tx(|tx| {
                // Nothing written yet, and still another process cannot write: it would wait
                // for this transaction (busy timeout) rather than race it.
                let _: i64 = tx
                    .query_row("SELECT count(*) FROM sync_runs", [], |row| row.get(0))
                    .map_err(storage_error)?;
                let refused = other.execute(write, []);
                assert!(
                    matches!(&refused, Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::DatabaseBusy),
                    "{refused:?}"
                );
                Ok(())
            })
            .unwrap();
        other.execute(write, []).unwrap();
    }

    #[test]
    fn failed_transaction_rolls_back() {
        let mut store = Store::open_in_memory().unwrap();
        let result: Result<(), BridgeError> = store.with_tx(|tx| {
            tx.execute(
                "INSERT INTO sync_runs (id, trigger, status, started_at) VALUES ('r1', 'cli', 'planning', 'now')",
                [],
            )
            .map_err(storage_error)?;
            Err(BridgeError::internal("stop"))
        });
        assert!(result.is_err());
        let count: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM sync_runs", [], |row| row.get(0))
            .unwrap();
        assert_eq!(count, 0);
    }
}
