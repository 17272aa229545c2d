-- Timeline events of kind 'contact' (issue #12): a contact's delete carried to the other side
-- of a pair is on the person's timeline ("Contact deleted in Ninox (record 12), as approved").
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same ids
-- (the full-text index keys on them), columns and indexes, and its triggers made again.
CREATE TABLE timeline_events_new (
    id            INTEGER PRIMARY KEY,
    contact_id    TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    system        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('task', 'note', 'appointment', 'tag', 'field', 'contact')),
    occurred_at   TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    before_value  TEXT,
    after_value   TEXT,
    -- The remote record this event is about (task id, note id, field key…).
    subject_ref   TEXT,
    run_id        TEXT REFERENCES sync_runs(id) ON DELETE SET NULL,
    recorded_at   TEXT
);
INSERT INTO timeline_events_new (id, contact_id, system, kind, occurred_at, title, body,
                                 before_value, after_value, subject_ref, run_id, recorded_at)
SELECT id, contact_id, system, kind, occurred_at, title, body,
       before_value, after_value, subject_ref, run_id, recorded_at
FROM timeline_events;
DROP TABLE timeline_events;
ALTER TABLE timeline_events_new RENAME TO timeline_events;
CREATE INDEX timeline_contact_time ON timeline_events (contact_id, occurred_at);
CREATE INDEX timeline_recorded ON timeline_events (recorded_at);
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
