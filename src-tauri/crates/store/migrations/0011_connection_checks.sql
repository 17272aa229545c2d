-- The last `bridge doctor` / Test result of each connection, one row per capability it checked.
-- A sync refuses a capability whose last check failed and says which; the rest still syncs.
CREATE TABLE connection_checks (
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    capability    TEXT NOT NULL,
    ok            INTEGER NOT NULL,
    -- One plain sentence: what was proven, or what to do in the app to fix it.
    message       TEXT NOT NULL,
    checked_at    TEXT NOT NULL,
    PRIMARY KEY (connection_id, capability)
);
