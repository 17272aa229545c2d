-- Rows of an app's engagement export (Connectif's activities export) that the follow-up rule
-- could not read: listed for the operator with the row as they can find it (its activity id,
-- email, and where it was in which export), the field, the value and the reason. A row is
-- history: it never changes, so it stays listed until the pair is removed.
CREATE TABLE engagement_problems (
    id            INTEGER PRIMARY KEY,
    pair_id       TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    -- The row, in the operator's words ("row 3 of the activities export of 2026-03-01 09:00 to
    -- 2026-03-02 09:00 UTC").
    record        TEXT NOT NULL,
    email         TEXT,
    activity_id   TEXT,
    field         TEXT NOT NULL,
    -- The value as JSON.
    value         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    UNIQUE (pair_id, record, field)
);
