-- Fields both sides changed differently under a manual-review line: neither side is written
-- until the operator keeps one.
CREATE TABLE conflicts (
    id            INTEGER PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    contact_id    TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    field         TEXT NOT NULL,
    base_value    TEXT,
    ghl_value     TEXT,
    app_value     TEXT,
    created_at    TEXT NOT NULL,
    resolved_at   TEXT,
    kept          TEXT CHECK (kept IN ('ghl', 'app')),
    UNIQUE (connection_id, contact_id, field)
);
