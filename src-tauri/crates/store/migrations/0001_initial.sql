-- The first schema. Ids are text, timestamps are UTC RFC 3339 text.
-- Secrets are never stored here: a connection holds only a reference to its keychain entry.

CREATE TABLE connections (
    id           TEXT PRIMARY KEY,
    system       TEXT NOT NULL CHECK (system IN ('ghl', 'nifty', 'niftyimages', 'connectif', 'novi', 'ninox')),
    name         TEXT NOT NULL UNIQUE,
    base_url     TEXT NOT NULL,
    auth_kind    TEXT NOT NULL CHECK (auth_kind IN ('oauth', 'private_token', 'api_key')),
    -- The remote account: a GHL location id, a Novi tenant host, a Ninox team/database/table…
    account_id   TEXT NOT NULL,
    -- The keychain entry that holds this connection's secret (never the secret itself).
    secret_ref   TEXT NOT NULL,
    settings     TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL DEFAULT 'connected' CHECK (status IN ('connected', 'reconnect_required', 'disabled')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- One row per GHL contact of one location (the hub), or one about to be created there.
CREATE TABLE contacts (
    id                TEXT PRIMARY KEY,
    ghl_connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    ghl_contact_id    TEXT,
    email             TEXT,
    first_name        TEXT,
    last_name         TEXT,
    phone             TEXT,
    business_id       TEXT,
    tags              TEXT NOT NULL DEFAULT '[]',
    custom_fields     TEXT NOT NULL DEFAULT '{}',
    content_hash      TEXT NOT NULL,
    remote_updated_at TEXT,
    deleted_at        TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (ghl_connection_id, ghl_contact_id)
);
CREATE INDEX contacts_email ON contacts (ghl_connection_id, email);
CREATE INDEX contacts_phone ON contacts (ghl_connection_id, phone);

-- A local contact (or one of its tasks, notes, appointments) ↔ a record in one connection.
CREATE TABLE links (
    id                INTEGER PRIMARY KEY,
    contact_id        TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    connection_id     TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    object_kind       TEXT NOT NULL CHECK (object_kind IN ('contact', 'task', 'note', 'appointment')),
    -- For child records, the id of the GHL-side record this one mirrors; NULL for contacts.
    local_object_id   TEXT,
    remote_id         TEXT NOT NULL,
    -- Hash of the last value we wrote there: an incoming change with this hash is our own echo.
    last_written_hash TEXT,
    last_seen_hash    TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (connection_id, object_kind, remote_id)
);
CREATE INDEX links_contact ON links (contact_id);

-- Field mappings of one connection and object kind, as validated JSON.
CREATE TABLE mappings (
    id            INTEGER PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    object_kind   TEXT NOT NULL CHECK (object_kind IN ('contact', 'task', 'note', 'appointment')),
    spec          TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (connection_id, object_kind)
);

CREATE TABLE sync_runs (
    id             TEXT PRIMARY KEY,
    trigger        TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule', 'cli')),
    dry_run        INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('planning', 'applying', 'succeeded', 'failed', 'cancelled')),
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    requests_spent INTEGER NOT NULL DEFAULT 0,
    rate_limited   INTEGER NOT NULL DEFAULT 0,
    summary        TEXT NOT NULL DEFAULT '{}',
    error          TEXT
);

-- The journal (outbox): every write is recorded here, under a deterministic key, before it is sent.
CREATE TABLE operations (
    id            INTEGER PRIMARY KEY,
    run_id        TEXT NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
    op_key        TEXT NOT NULL UNIQUE,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    contact_id    TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    object_kind   TEXT NOT NULL CHECK (object_kind IN ('contact', 'task', 'note', 'appointment', 'tag')),
    action        TEXT NOT NULL CHECK (action IN ('create', 'update', 'complete', 'delete', 'tag_add', 'tag_remove')),
    remote_id     TEXT,
    before_value  TEXT,
    after_value   TEXT,
    reason        TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'done', 'failed', 'dead')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_retry_at TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX operations_run ON operations (run_id);
CREATE INDEX operations_state ON operations (state);

-- One contact's history across every connected app.
CREATE TABLE timeline_events (
    id            INTEGER PRIMARY KEY,
    contact_id    TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    system        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('task', 'note', 'appointment', 'tag', 'field')),
    occurred_at   TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    before_value  TEXT,
    after_value   TEXT,
    -- The remote record this event is about (task id, note id, field key…).
    subject_ref   TEXT,
    run_id        TEXT REFERENCES sync_runs(id) ON DELETE SET NULL
);
CREATE INDEX timeline_contact_time ON timeline_events (contact_id, occurred_at);

CREATE VIRTUAL TABLE timeline_fts USING fts5 (
    title, body, content = 'timeline_events', content_rowid = 'id'
);
CREATE TRIGGER timeline_fts_insert AFTER INSERT ON timeline_events BEGIN
    INSERT INTO timeline_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER timeline_fts_delete AFTER DELETE ON timeline_events BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER timeline_fts_update AFTER UPDATE ON timeline_events BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO timeline_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

-- Where each incremental pull stopped; advanced only after the page it names is stored.
CREATE TABLE cursors (
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    stream        TEXT NOT NULL,
    value         TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (connection_id, stream)
);
