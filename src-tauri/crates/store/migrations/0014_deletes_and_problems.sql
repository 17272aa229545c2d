-- Deletes seen on one side of a pair, waiting for the operator before they are carried to the
-- other side (only for pairs whose "carry deletes" switch is on). Generic over the kind of
-- record: a contact, a task, a note or an activity.
CREATE TABLE pending_deletes (
    id            INTEGER PRIMARY KEY,
    -- The app connection of the pair.
    pair_id       TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    object_kind   TEXT NOT NULL CHECK (object_kind IN ('contact', 'task', 'note', 'activity')),
    contact_id    TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    -- Where the record was deleted ('ghl' or 'app'); the delete would be carried to the other side.
    deleted_in    TEXT NOT NULL CHECK (deleted_in IN ('ghl', 'app')),
    -- The record that would be deleted, on the other side.
    target_connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    target_remote_id     TEXT NOT NULL,
    -- How the operator knows the record (a name and email, a task's title), and why it waits.
    summary       TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'approved', 'rejected', 'carried')),
    created_at    TEXT NOT NULL,
    decided_at    TEXT,
    carried_at    TEXT,
    UNIQUE (pair_id, object_kind, target_connection_id, target_remote_id)
);
CREATE INDEX pending_deletes_state ON pending_deletes (pair_id, state);

-- Values of one record's field that cannot be synced: unreadable (a transform refused the value)
-- or refused for good by the side written to. That field of that record is skipped while the
-- value stays the same; everything else of the pair syncs.
CREATE TABLE record_problems (
    id            INTEGER PRIMARY KEY,
    pair_id       TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    contact_id    TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('unreadable', 'refused')),
    -- The side holding the value ('ghl' or 'app') and the field in that side's terms.
    side          TEXT NOT NULL CHECK (side IN ('ghl', 'app')),
    field         TEXT NOT NULL,
    -- The value as JSON.
    value         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    UNIQUE (pair_id, contact_id, kind, side, field)
);
CREATE INDEX record_problems_contact ON record_problems (contact_id);
