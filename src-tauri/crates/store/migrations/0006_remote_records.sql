-- The records of the apps beside GHL, as last pulled: their field values by the app's own field
-- names (JSON), the contact they are linked to, and when the app last changed them.
CREATE TABLE remote_records (
    connection_id     TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    object_kind       TEXT NOT NULL CHECK (object_kind IN ('contact', 'task', 'note', 'appointment')),
    remote_id         TEXT NOT NULL,
    contact_id        TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    field_values      TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    remote_updated_at TEXT,
    -- Set when the record changed since the last sync planned it.
    dirty             INTEGER NOT NULL DEFAULT 1,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (connection_id, object_kind, remote_id)
);
CREATE INDEX remote_records_contact ON remote_records (contact_id);
CREATE INDEX remote_records_dirty ON remote_records (connection_id, dirty);
