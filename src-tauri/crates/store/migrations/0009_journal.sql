-- The journal identifies an operation by its intent (pair, target connection, object kind, local
-- record, action) instead of by its content, keeps the payload it sends, and knows the pair it
-- belongs to. At most one unfinished operation per intent: a later plan of the same intent
-- adopts that row. SQLite cannot drop the old UNIQUE (op_key), so the table is rebuilt.
CREATE TABLE operations_journal (
    id            INTEGER PRIMARY KEY,
    -- The run that journaled the operation, then the run that completed it.
    run_id        TEXT NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
    intent        TEXT NOT NULL,
    -- The app connection of the pair (NULL for rows journaled before pairs were recorded).
    pair_id       TEXT REFERENCES connections(id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    contact_id    TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    object_kind   TEXT NOT NULL CHECK (object_kind IN ('contact', 'task', 'note', 'appointment', 'tag')),
    action        TEXT NOT NULL CHECK (action IN ('create', 'update', 'complete', 'delete', 'tag_add', 'tag_remove')),
    remote_id     TEXT,
    before_value  TEXT,
    after_value   TEXT,
    reason        TEXT NOT NULL,
    -- What the writer sends (JSON, in the writer's own terms), so a later run resends it by id.
    payload       TEXT,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'done', 'failed', 'dead')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_retry_at TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
INSERT INTO operations_journal (id, run_id, intent, connection_id, contact_id, object_kind, action,
        remote_id, before_value, after_value, reason, state, attempts, next_retry_at, last_error,
        created_at, updated_at)
    SELECT id, run_id, op_key, connection_id, contact_id, object_kind, action, remote_id,
           before_value, after_value, reason, state, attempts, next_retry_at, last_error,
           created_at, updated_at
    FROM operations;
DROP TABLE operations;
ALTER TABLE operations_journal RENAME TO operations;
CREATE INDEX operations_run ON operations (run_id);
CREATE INDEX operations_state ON operations (state);
CREATE INDEX operations_pair_open ON operations (pair_id) WHERE state IN ('pending', 'sent', 'failed');
CREATE UNIQUE INDEX operations_open_intent ON operations (intent) WHERE state IN ('pending', 'sent', 'failed');
CREATE INDEX operations_intent ON operations (intent, id);
