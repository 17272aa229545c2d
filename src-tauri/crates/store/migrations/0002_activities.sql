-- Tasks, notes and appointments of a contact, as each connection holds them. One table for the
-- three kinds: they share identity (connection, kind, remote id), a parent contact and a hash.
CREATE TABLE activities (
    id                INTEGER PRIMARY KEY,
    contact_id        TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    connection_id     TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('task', 'note', 'appointment')),
    remote_id         TEXT NOT NULL,
    -- Task title, appointment title, or the first line of a note.
    title             TEXT NOT NULL DEFAULT '',
    body              TEXT NOT NULL DEFAULT '',
    -- Task due date or appointment start; appointment end.
    starts_at         TEXT,
    ends_at           TEXT,
    completed         INTEGER,
    status            TEXT,
    content_hash      TEXT NOT NULL,
    deleted_at        TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (connection_id, kind, remote_id)
);
CREATE INDEX activities_contact ON activities (contact_id, kind);
