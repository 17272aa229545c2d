-- Reviews: one record of a pair waiting for the operator's decision, for any reason, so nothing
-- waits silently. Rebuilt from match_reviews (SQLite cannot change a UNIQUE constraint in place):
-- a review now names the kind of record (a contact, a task, a note), why it waits, the contact it
-- concerns and how the operator knows it; and how it was resolved.
CREATE TABLE match_reviews_0025 (
    id            INTEGER PRIMARY KEY,
    -- The app connection of the pair.
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    object_kind   TEXT NOT NULL DEFAULT 'contact' CHECK (object_kind IN ('contact', 'task', 'note', 'appointment')),
    -- The record waiting: the app's record (ambiguous, mismatch) or the surviving copy of a
    -- record deleted on the other side (deleted, not_found).
    remote_id     TEXT NOT NULL,
    -- ambiguous: a key found several contacts; deleted: its counterpart was deleted and the pair
    -- does not carry deletes; not_found: a write met "not found"; mismatch: a lost create's
    -- lookup found a record whose values differ from what was sent.
    reason        TEXT NOT NULL DEFAULT 'ambiguous' CHECK (reason IN ('ambiguous', 'deleted', 'not_found', 'mismatch')),
    -- The key that found several contacts (email, phone), or the side the record lives on.
    match_key     TEXT NOT NULL,
    -- Local ids of the contacts it could be (JSON array).
    candidates    TEXT NOT NULL,
    contact_id    TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    summary       TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    resolved_at   TEXT,
    -- linked, created, ignored, or relinked (a sync found one contact after a change).
    resolution    TEXT,
    UNIQUE (connection_id, object_kind, remote_id)
);
INSERT INTO match_reviews_0025 (id, connection_id, remote_id, match_key, candidates, created_at, resolved_at)
    SELECT id, connection_id, remote_id, match_key, candidates, created_at, resolved_at FROM match_reviews;
DROP TABLE match_reviews;
ALTER TABLE match_reviews_0025 RENAME TO match_reviews;
CREATE INDEX match_reviews_open ON match_reviews (connection_id, resolved_at);
